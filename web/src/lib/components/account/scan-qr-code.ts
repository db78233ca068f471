// Reads a QR code from the camera with the browser's BarcodeDetector (Chromium on Android, ChromeOS
// and macOS; not every desktop): the stream plays in `video`, a frame is checked a few times a
// second, and the first QR code found is handed to `found`. Where the API is missing, the link code
// is pasted instead, so no QR decoder is bundled.

interface DetectedBarcode {
  readonly rawValue: string;
}
interface BarcodeDetectorLike {
  detect(source: HTMLVideoElement): Promise<DetectedBarcode[]>;
}
type BarcodeDetectorConstructor = new (options: { formats: string[] }) => BarcodeDetectorLike;

const SCAN_INTERVAL_MS = 250;

function detectorClass(): BarcodeDetectorConstructor | undefined {
  return (globalThis as { BarcodeDetector?: BarcodeDetectorConstructor }).BarcodeDetector;
}

export function qrScanningAvailable(): boolean {
  // mediaDevices is missing outside secure contexts, whatever the DOM typings say.
  const media = navigator.mediaDevices as MediaDevices | undefined;
  return detectorClass() !== undefined && media !== undefined;
}

/** Starts scanning; the returned function stops the camera. */
export function scanQrCode(
  video: HTMLVideoElement,
  found: (value: string) => void,
  failed: (error: unknown) => void,
): () => void {
  const Detector = detectorClass();
  let stream: MediaStream | null = null;
  let timer: ReturnType<typeof setInterval> | undefined;
  let stopped = false;
  const isStopped = (): boolean => stopped;
  const stop = (): void => {
    stopped = true;
    clearInterval(timer);
    for (const track of stream?.getTracks() ?? []) track.stop();
    video.srcObject = null;
  };
  if (Detector === undefined) {
    failed(new Error('This browser cannot scan QR codes: paste the link code instead.'));
    return stop;
  }
  const detector = new Detector({ formats: ['qr_code'] });
  void (async () => {
    try {
      const opened = await navigator.mediaDevices.getUserMedia({
        video: { facingMode: 'environment' },
      });
      stream = opened;
      // Stopped while the permission prompt was open: release the camera at once.
      if (isStopped()) {
        stop();
        return;
      }
      video.srcObject = opened;
      await video.play();
      timer = setInterval(() => {
        void detector.detect(video).then((codes) => {
          const value = codes[0]?.rawValue;
          if (value !== undefined && !stopped) found(value);
        }, failed);
      }, SCAN_INTERVAL_MS);
    } catch (error) {
      stop();
      failed(error);
    }
  })();
  return stop;
}
