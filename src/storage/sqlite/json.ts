export { fromJson, optional, toJson } from '../rows.js';
export const isUniqueViolation = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && 'code' in error &&
  String((error as { code: unknown }).code).startsWith('SQLITE_CONSTRAINT');
