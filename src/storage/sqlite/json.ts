export const toJson = (value: unknown): string => JSON.stringify(value);
export const fromJson = <T>(text: string): T => JSON.parse(text) as T;
export const optional = <T>(value: T | null): T | undefined => (value === null ? undefined : value);
export const isUniqueViolation = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && 'code' in error &&
  String((error as { code: unknown }).code).startsWith('SQLITE_CONSTRAINT');
