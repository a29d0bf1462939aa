export type Role = 'admin' | 'staff' | 'user';
/** Roles the admin may give a stored user; the admin itself is not a stored user. */
export const USER_ROLES = ['user', 'staff'] as const;
export type UserRole = (typeof USER_ROLES)[number];

/** A registered person; their user id is their e-mail address, lower-cased. */
export interface User {
  id: string;
  name: string | null;
  passwordHash: string;
  role: UserRole;
  createdAt: string;
}

export interface UserView {
  id: string;
  email: string;
  name: string | null;
  role: Role;
  createdAt: string;
}

export function toUserView(user: User): UserView {
  return { id: user.id, email: user.id, name: user.name, role: user.role, createdAt: user.createdAt };
}
