/** Groups and group membership, as the administrative API manages them. */
import { AppError } from '../../errors/app-error.js';
import { AlreadyExistsError, NotFoundError } from '../../storage/storage.js';
import type { CoreDeps } from '../deps.js';
import type { Group, User } from '../model.js';
import { requirePool } from './lookup.js';

type Deps = Pick<CoreDeps, 'storage' | 'clock'>;

export type GroupFields = Pick<Group, 'description' | 'precedence' | 'roleArn'>;

export async function requireGroup(deps: Pick<Deps, 'storage'>, poolId: string, name: string): Promise<Group> {
  await requirePool(deps, poolId);
  const group = await deps.storage.groups.get(poolId, name);
  if (!group) throw new AppError('ResourceNotFound', 'Group not found.');
  return group;
}

export async function createGroup(deps: Deps, poolId: string, name: string, fields: GroupFields): Promise<Group> {
  await requirePool(deps, poolId);
  const now = deps.clock.now();
  const group: Group = { poolId, name, ...fields, createdAt: now, updatedAt: now };
  try {
    await deps.storage.groups.create(group);
  } catch (error) {
    if (error instanceof AlreadyExistsError) throw new AppError('GroupExists', 'A group with the name already exists.');
    throw error;
  }
  return group;
}

/** Fields left out keep their values. */
export async function updateGroup(deps: Deps, poolId: string, name: string, fields: Partial<GroupFields>): Promise<Group> {
  const group = await requireGroup(deps, poolId, name);
  const defined = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
  const updated: Group = { ...group, ...defined, updatedAt: deps.clock.now() };
  await deps.storage.groups.update(updated);
  return updated;
}

export async function deleteGroup(deps: Deps, poolId: string, name: string): Promise<void> {
  await requireGroup(deps, poolId, name);
  await deps.storage.groups.delete(poolId, name);
}

export async function listGroups(deps: Pick<Deps, 'storage'>, poolId: string): Promise<Group[]> {
  await requirePool(deps, poolId);
  return deps.storage.groups.listByPool(poolId);
}

export async function addUserToGroup(deps: Deps, user: User, name: string): Promise<void> {
  await requireGroup(deps, user.poolId, name);
  try {
    await deps.storage.groups.addUser(user.poolId, user.id, name, deps.clock.now());
  } catch (error) {
    if (error instanceof NotFoundError) throw new AppError('ResourceNotFound', 'Group not found.');
    throw error;
  }
}

export async function removeUserFromGroup(deps: Deps, user: User, name: string): Promise<void> {
  await requireGroup(deps, user.poolId, name);
  await deps.storage.groups.removeUser(user.poolId, user.id, name);
}

export async function listUsersInGroup(deps: Pick<Deps, 'storage'>, poolId: string, name: string): Promise<User[]> {
  await requireGroup(deps, poolId, name);
  return deps.storage.groups.listUsers(poolId, name);
}

export async function listGroupsForUser(deps: Pick<Deps, 'storage'>, user: User): Promise<Group[]> {
  const groups = await deps.storage.groups.listForUser(user.poolId, user.id);
  return groups.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
