// The protocol runs in browsers and Node without DOM or Node typings; these two encoders exist in
// every runtime we target, so we declare just them instead of pulling in a whole platform lib.
declare class TextEncoder {
  encode(input?: string): Uint8Array;
}
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean });
  decode(input?: Uint8Array): string;
}
