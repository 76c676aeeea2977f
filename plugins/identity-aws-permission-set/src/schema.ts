/** The `aws/permission-set` entry, checked offline by `tfwrap auth validate`. */
import { regionSchema } from '@tfwrap/aws';
import { identitySchema } from '@tfwrap/plugin-kit';
import * as v from 'valibot';

export const permissionSetSchema = identitySchema({
  kind: 'aws/permission-set',
  via: 'required',
  principal: v.strictObject(
    {
      name: v.pipe(
        v.string('name is required: the permission set, such as AdministratorAccess'),
        v.regex(/^[\w+=,.@-]{1,32}$/, 'a permission set name is 1-32 letters, digits and + = , . @ _ -'),
      ),
      account: v.pipe(
        v.strictObject(
          {
            // Checked, not converted: the kind is handed the entry as written (a number when unquoted).
            id: v.optional(v.pipe(v.union([v.string(), v.number()]), v.check((id) => /^\d{12}$/.test(String(id)), 'account.id is 12 digits (quote it in YAML: "012345678901")'))),
            name: v.optional(v.pipe(v.string(), v.minLength(1, 'account.name must not be empty'))),
          },
          (issue) => `unknown field ${issue.received}: account takes id or name`,
        ),
        v.check((account) => (account.id === undefined) !== (account.name === undefined), 'give account.id or account.name (one of them)'),
      ),
      region: v.optional(regionSchema()),
    },
    (issue) =>
      issue.expected === 'never'
        ? `unknown field ${issue.received}: aws/permission-set takes name, account, region`
        : `${issue.expected} is required: ${issue.expected === '"name"' ? 'the permission set, such as AdministratorAccess' : 'the account, as account: { id: "012345678901" } or account: { name: sandbox }'}`,
  ),
});

export type PermissionSetConfig = v.InferOutput<typeof permissionSetSchema>;
