import { PARTITIONS } from '../../protocol/regions.ts';

/**
 * The principals a grant names (GranteePrincipal, RetiringPrincipal) and whether a caller is one of them.
 *
 * AWS takes the ARN of an AWS principal (an account's root, an IAM user or role, an assumed-role session, a
 * federated user) or an AWS service principal (`dynamodb.us-west-2.amazonaws.com`), which services use for the
 * grants they make. kmslab has no IAM to ask whether a principal exists, so it checks the form only.
 */

/** Who calls: the ARN of the identity that signed the request, and its account. */
export interface GrantCaller {
  arn: string;
  accountId: string;
}

const PARTITION = `(${Object.keys(PARTITIONS).join('|')})`;
const IAM = new RegExp(`^arn:${PARTITION}:iam::(\\d{12}):(root|(user|role|federated-user)/.+)$`);
const STS = new RegExp(`^arn:${PARTITION}:sts::(\\d{12}):(assumed-role/[^/]+/.+|federated-user/.+)$`);
const SERVICE = /^([a-z0-9-]+\.)+amazonaws\.com(\.cn)?$/;

export function isPrincipal(principal: string): boolean {
  return IAM.test(principal) || STS.test(principal) || SERVICE.test(principal);
}

/** A role ARN's account and name (the last segment of its path), or undefined for any other principal. */
function roleOf(principal: string): { accountId: string; name: string } | undefined {
  const match = IAM.exec(principal);
  const resource = match?.[3];
  if (!match?.[2] || !resource?.startsWith('role/')) return undefined;
  return { accountId: match[2], name: resource.slice(resource.lastIndexOf('/') + 1) };
}

function assumedRoleOf(callerArn: string): { accountId: string; name: string } | undefined {
  const match = STS.exec(callerArn);
  const resource = match?.[3];
  if (!match?.[2] || !resource?.startsWith('assumed-role/')) return undefined;
  return { accountId: match[2], name: resource.split('/')[1] ?? '' };
}

/**
 * Whether `principal` names the caller: the same ARN; the caller's account (its root stands for every principal
 * of the account, which IAM then limits); or, for a role, a session of that role.
 */
export function principalCovers(principal: string, caller: GrantCaller): boolean {
  if (principal === caller.arn) return true;
  const account = IAM.exec(principal);
  if (account?.[3] === 'root') return account[2] === caller.accountId;
  const role = roleOf(principal);
  const session = assumedRoleOf(caller.arn);
  return (
    role !== undefined &&
    session !== undefined &&
    role.accountId === session.accountId &&
    role.name === session.name
  );
}

/** The account of an IAM or STS ARN (IssuingAccount is an account root's ARN). */
export function accountOf(principal: string): string | undefined {
  return IAM.exec(principal)?.[2] ?? STS.exec(principal)?.[2];
}
