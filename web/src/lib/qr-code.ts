// QR codes drawn on a canvas: the TOTP enrolment URI, a device-link code, a safety number. lean-qr
// rather than qrcode: the same codes in about 3.6 KB gzipped instead of 9.5 KB, with no
// dependencies. It draws one pixel per module; `canvas.qr-code` in app.css scales it up crisply.
import { correction, generate, mode } from 'lean-qr';

/** Draws `data` (text, or raw bytes in byte mode) with error correction M and a 2-module margin. */
export function drawQrCode(canvas: HTMLCanvasElement, data: string | Uint8Array): void {
  const code = generate(typeof data === 'string' ? data : mode.bytes(data), {
    minCorrectionLevel: correction.M,
  });
  code.toCanvas(canvas, { pad: 2 });
}
