import { Type, type Static } from '@sinclair/typebox';
import { Uuid } from './common.js';

/** Password rules shared by the signup form and the server. */
export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 200;

const Email = Type.String({ format: 'email', minLength: 3, maxLength: 254 });
const Name = Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' });
const Password = Type.String({ minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH });

/** Body of `POST /api/auth/signup`. */
export const SignupRequest = Type.Object(
  { email: Email, password: Password, name: Name },
  { additionalProperties: false },
);
export type SignupRequest = Static<typeof SignupRequest>;

/** Body of `POST /api/auth/login`. The password length is not checked here: a wrong one is just wrong. */
export const LoginRequest = Type.Object(
  { email: Type.String({ minLength: 1, maxLength: 254 }), password: Type.String({ minLength: 1, maxLength: 1000 }) },
  { additionalProperties: false },
);
export type LoginRequest = Static<typeof LoginRequest>;

/** The signed-in user as the API shows them to themselves. */
export const User = Type.Object({ id: Uuid, email: Type.String(), name: Type.String(), createdAt: Type.String() });
export type User = Static<typeof User>;

/** Answer of signup, login and `GET /api/me`. */
export const MeResponse = Type.Object({ user: User });
export type MeResponse = Static<typeof MeResponse>;

/** `GET /api/auth/session`: who is signed in, null for nobody (always 200, unlike `GET /api/me`). */
export const SessionResponse = Type.Object({ user: Type.Union([User, Type.Null()]) });
export type SessionResponse = Static<typeof SessionResponse>;

/** Body of `PATCH /api/me`: change the display name and/or the password (the current one is required). */
export const UpdateMeRequest = Type.Object(
  {
    name: Type.Optional(Name),
    currentPassword: Type.Optional(Type.String({ minLength: 1, maxLength: 1000 })),
    newPassword: Type.Optional(Password),
  },
  { additionalProperties: false },
);
export type UpdateMeRequest = Static<typeof UpdateMeRequest>;

/** What the login page may show: demo credentials exist only in demo mode. */
export const InstanceInfo = Type.Object({
  demo: Type.Union([Type.Object({ email: Type.String(), password: Type.String() }), Type.Null()]),
});
export type InstanceInfo = Static<typeof InstanceInfo>;

/** Body of `POST /api/auth/forgot`: where to send a reset link (answered the same whether or not it exists). */
export const ForgotPasswordRequest = Type.Object({ email: Email }, { additionalProperties: false });
export type ForgotPasswordRequest = Static<typeof ForgotPasswordRequest>;

/** Body of `POST /api/auth/reset`: the token of the mailed link and the new password. */
export const ResetPasswordRequest = Type.Object(
  { token: Type.String({ minLength: 16, maxLength: 128, pattern: '^[A-Za-z0-9_-]+$' }), password: Password },
  { additionalProperties: false },
);
export type ResetPasswordRequest = Static<typeof ResetPasswordRequest>;
