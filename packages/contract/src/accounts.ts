import { z } from 'zod';
import { displayName } from './common.js';

/** Accounts: a user who chose a username and password can sign in again as the same user anywhere. */
export const AccountLimits = {
  usernameMin: 3,
  usernameMax: 32,
  passwordMin: 8,
  /** argon2 takes any length; this bounds the work one request can ask for. */
  passwordMax: 256,
} as const;

export const username = z
  .string()
  .trim()
  .min(AccountLimits.usernameMin, `must be at least ${AccountLimits.usernameMin} characters`)
  .max(AccountLimits.usernameMax, `must be at most ${AccountLimits.usernameMax} characters`)
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
    'may hold letters, digits, ".", "_" and "-", and starts with a letter or digit',
  );

/** A new password: length only (no composition rules), as NIST SP 800-63B advises. */
export const newPassword = z
  .string()
  .min(AccountLimits.passwordMin, `must be at least ${AccountLimits.passwordMin} characters`)
  .max(AccountLimits.passwordMax, `must be at most ${AccountLimits.passwordMax} characters`);

/** A password as typed at sign-in: any length the server accepts, checked against the hash. */
const givenPassword = z.string().min(1, 'must not be empty').max(AccountLimits.passwordMax);

/** `POST /api/accounts`: sign up. */
export const accountCreateInput = z.strictObject({
  username,
  password: newPassword,
  /** The name others see; the username when absent. */
  name: displayName.optional(),
});
export type AccountCreateInput = z.infer<typeof accountCreateInput>;

/** `POST /api/accounts/claim`, with a guest's token: the guest's name and id are kept. */
export const accountClaimInput = z.strictObject({ username, password: newPassword });
export type AccountClaimInput = z.infer<typeof accountClaimInput>;

/** `POST /api/sessions` with an account's credentials (a guest sends `{name}` instead). */
export const accountSignInInput = z.strictObject({
  username: z.string().trim().min(1).max(100),
  password: givenPassword,
});
export type AccountSignInInput = z.infer<typeof accountSignInInput>;

/** `PUT /api/accounts/password`: every token issued before is refused from then on. */
export const passwordChangeInput = z.strictObject({ currentPassword: givenPassword, newPassword });
export type PasswordChangeInput = z.infer<typeof passwordChangeInput>;

/** The one answer to a wrong password and to an unknown username: which of the two is not told. */
export const badCredentialsMessage = 'wrong username or password';
