/** Each users.list filter and the index (same name in both schemas) its query must read: never the whole table. */
import type { UserListFilter } from '../../src/storage/storage.js';

export const FILTER_INDEX_CASES: [UserListFilter, string][] = [
    [{ field: 'email', operator: '=', value: 'a@b.c', folded: true }, 'users_filter_email'],
    [{ field: 'email', operator: '^=', value: 'a' }, 'users_filter_email'],
    [{ field: 'preferred_username', operator: '=', value: 'Ann' }, 'users_filter_preferred_username'],
    [{ field: 'preferred_username', operator: '^=', value: 'an', folded: true }, 'users_filter_preferred_username'],
    [{ field: 'phone_number', operator: '^=', value: '+1' }, 'users_filter_phone_number'],
    [{ field: 'name', operator: '=', value: 'Ann Smith' }, 'users_filter_name'],
    [{ field: 'given_name', operator: '^=', value: 'A' }, 'users_filter_given_name'],
    [{ field: 'family_name', operator: '=', value: 'Smith' }, 'users_filter_family_name'],
    [{ field: 'status', operator: '=', value: 'UNCONFIRMED' }, 'users_filter_status'],
    [{ field: 'status', operator: '^=', value: 'FORCE' }, 'users_filter_status'],
    [{ field: 'enabled', value: false }, 'users_filter_enabled'],
    [{ field: 'usernameKey', operator: '^=', value: 'an' }, 'users_username'],
    [{ field: 'id', operator: '^=', value: '0000' }, 'users_filter_sub'],
    [{ field: 'id', operator: '=', value: '0000' }, 'users_filter_sub'],
];
