import type { SimResponse } from '../core/http-router';

/** Dhan's error envelope: `{errorType, errorCode: "DH-9xx", errorMessage}`, no wrapper. */
export function dhanError(status: number, errorType: string, errorCode: string, errorMessage: string): SimResponse {
  return { status, body: { errorType, errorCode, errorMessage } };
}

export const DH901 = (): SimResponse =>
  dhanError(401, 'Invalid_Authentication', 'DH-901', 'Client ID or user generated access token is invalid or expired.');
export const DH904 = (): SimResponse =>
  dhanError(429, 'Rate_Limit', 'DH-904', 'Too many requests on server from single user breaching rate limits. Try throttling API calls.');
export const DH905 = (message: string): SimResponse => dhanError(400, 'Input_Exception', 'DH-905', message);
export const DH906 = (message: string): SimResponse => dhanError(400, 'Order_Error', 'DH-906', message);
export const DH908 = (): SimResponse =>
  dhanError(500, 'Internal_Server_Error', 'DH-908', 'This is a server error and the request could not be processed. Please try again.');

const IST_OFFSET_MS = 19_800_000;

/** `YYYY-MM-DD HH:MM:SS` in IST, as Dhan prints createTime/updateTime/exchangeTime. */
export function istDateTime(epochMs: number): string {
  return new Date(epochMs + IST_OFFSET_MS).toISOString().slice(0, 19).replace('T', ' ');
}

/** `DD/MM/YYYY HH:MM` in IST, as /v2/profile prints tokenValidity. */
export function istTokenValidity(epochMs: number): string {
  const iso = new Date(epochMs + IST_OFFSET_MS).toISOString();
  return `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(0, 4)} ${iso.slice(11, 16)}`;
}

/** `YYYY-MM-DDTHH:MM:SS` in IST, as generateAccessToken prints expiryTime. */
export function istIso(epochMs: number): string {
  return new Date(epochMs + IST_OFFSET_MS).toISOString().slice(0, 19);
}
