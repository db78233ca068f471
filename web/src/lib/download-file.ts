// Saves a Blob through the browser's download (an object URL on a temporary link).
export function downloadFile(file: Blob, name: string): void {
  const url = URL.createObjectURL(file);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.click();
  // Revoked after the click has been handled: the download holds its own reference by then.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
