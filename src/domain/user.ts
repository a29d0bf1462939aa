export type Role = 'admin' | 'user';

/** A registered person; their user id is their e-mail address, lower-cased. */
export interface User {
  id: string;
  name: string | null;
  passwordHash: string;
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
  return { id: user.id, email: user.id, name: user.name, role: 'user', createdAt: user.createdAt };
}
