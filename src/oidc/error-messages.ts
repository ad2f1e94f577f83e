import type { MessageId } from '../i18n/messages.js';

/** Which sentence a person sees for a protocol error the provider cannot send back to the app. */
export function providerErrorMessage(error: string): MessageId {
  switch (error) {
    case 'invalid_client':
      return 'error.invalid_client';
    case 'invalid_redirect_uri':
      return 'error.invalid_redirect_uri';
    case 'server_error':
      return 'error.server';
    case 'temporarily_unavailable':
      return 'error.unavailable';
    case 'session_not_found':
    case 'invalid_interaction':
      return 'error.session_expired';
    default:
      return 'error.generic';
  }
}
