import { PARTITIONS } from '../../protocol/regions.ts';

/**
 * The ARNs that name principals in IAM (account roots, users, roles, role sessions, federated users) and the
 * names the policy engine matches them by: `account:<id>` for an account, the ARN itself for the others.
 */

/** Every partition AWS KMS runs in (the ones kmslab serves), as grants/principals.ts names them. */
const PARTITION = `(${Object.keys(PARTITIONS).join('|')})`;
const NAME = '[\\w+=,.@-]+';
export const ROOT_ARN = new RegExp(`^arn:${PARTITION}:iam::(\\d{12}):root$`);
/** Groups: partition, account, `user` or `role`, path, name. */
export const IAM_ARN = new RegExp(
  `^arn:${PARTITION}:iam::(\\d{12}):(user|role)((?:/[\\x21-\\x7E]+)*)/(${NAME})$`,
);
/** Groups: partition, account, role name, session name. */
export const SESSION_ARN = new RegExp(`^arn:${PARTITION}:sts::(\\d{12}):assumed-role/(${NAME})/(${NAME})$`);
const FEDERATED_ARN = new RegExp(`^arn:${PARTITION}:sts::(\\d{12}):federated-user/(${NAME})$`);
const ACCOUNT_ID = /^\d{12}$/;

export function accountName(accountId: string): string {
  return `account:${accountId}`;
}

/**
 * The name an AWS principal of a policy matches by: `account:<id>` for an account ID or root ARN, the ARN for
 * a user, role, session or federated user. Undefined for anything else, wildcards included: IAM allows a
 * wildcard only as the whole principal (`"*"`).
 */
export function awsPrincipalName(value: string): string | undefined {
  if (ACCOUNT_ID.test(value)) return accountName(value);
  const root = ROOT_ARN.exec(value);
  if (root) return accountName(root[2] as string);
  if (IAM_ARN.test(value) || SESSION_ARN.test(value) || FEDERATED_ARN.test(value)) return value;
  return undefined;
}
