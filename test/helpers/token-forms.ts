import fc from 'fast-check';
import { type TokenClaims, signToken } from '../../tracking/tokens';
import { firstFormToken } from './first-form-token';

export type SignAnyForm = (secret: string, claims: TokenClaims) => string;

/** A signer shown by its name in a counterexample, not by its source. */
const named = (name: string, sign: SignAnyForm): SignAnyForm =>
  Object.assign((secret: string, claims: TokenClaims) => sign(secret, claims), { [fc.toStringMethod]: () => name });

/** Both token forms cartflow accepts: the base32 form it writes and the first form of emails already sent. */
export const tokenForms = () =>
  fc.constantFrom(named('base32 form', signToken), named('first form (base64 JSON)', firstFormToken));
