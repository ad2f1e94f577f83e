import QRCode from 'qrcode';

/** A PNG data: URL, drawn here so the secret in the otpauth URI never leaves the server. */
export function qrCodeDataUrl(text: string): Promise<string> {
  return QRCode.toDataURL(text, { errorCorrectionLevel: 'M', margin: 2, width: 240 });
}
