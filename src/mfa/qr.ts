/**
 * A PNG data: URL, drawn here so the secret in the otpauth URI never leaves the server. The
 * drawing library is loaded at the first enrolment: a node that never enrols does not hold it.
 */
export async function qrCodeDataUrl(text: string): Promise<string> {
  const { default: QRCode } = await import('qrcode');
  return QRCode.toDataURL(text, { errorCorrectionLevel: 'M', margin: 2, width: 240 });
}
