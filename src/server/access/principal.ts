import { accountName, IAM_ARN, ROOT_ARN, SESSION_ARN } from './names.ts';
import type { CompiledPolicy } from './policy.ts';

/**
 * Who is calling, as IAM names it: the account root (`arn:aws:iam::111122223333:root`), an IAM user
 * (`arn:aws:iam::111122223333:user/path/name`) or a role session
 * (`arn:aws:sts::111122223333:assumed-role/RoleName/SessionName`), with its tags and identity-based policies.
 */
export interface Principal {
  readonly arn: string;
  readonly accountId: string;
  /** aws:PrincipalType: the root user is `Account`. */
  readonly type: 'Account' | 'User' | 'AssumedRole';
  /** The identity-based policies of the user or role. The root user has none and needs none. */
  readonly policies: readonly CompiledPolicy[];
  /**
   * The names a policy can give this principal, widest first: its account (`account:<id>`), then for a
   * session its role's ARN, then its own ARN.
   */
  readonly names: readonly string[];
  /** The principal's condition keys (aws:PrincipalArn, aws:PrincipalTag/..., kms:CallerAccount...), lower-cased. */
  readonly contextValues: ReadonlyMap<string, string>;
}

export interface PrincipalSpec {
  arn: string;
  /**
   * For a role session, the role's ARN when the role has a path (`arn:aws:iam::111122223333:role/path/Name`):
   * the session ARN doesn't carry the path. Defaults to the role ARN without a path.
   */
  roleArn?: string;
  /** aws:userid: the unique ID of a user (AIDA...), `<role ID>:<session name>` for a session. */
  userId?: string;
  /** aws:PrincipalTag/<key>: the tags of the user or role, and a session's tags. */
  tags?: Readonly<Record<string, string>>;
  policies?: readonly CompiledPolicy[];
}

/**
 * Describes a caller once (when the identities are loaded), so that a request only looks things up. Throws
 * an Error naming the ARN for one that is not an account root, user or role session.
 */
export function createPrincipal(spec: PrincipalSpec): Principal {
  const context = new Map<string, string>();
  const set = (key: string, value: string | undefined) => {
    if (value !== undefined) context.set(key.toLowerCase(), value);
  };
  let accountId: string;
  let type: Principal['type'];
  let names: string[];
  let principalArn = spec.arn;
  const root = ROOT_ARN.exec(spec.arn);
  const user = IAM_ARN.exec(spec.arn);
  const session = SESSION_ARN.exec(spec.arn);
  if (root) {
    accountId = root[2] as string;
    type = 'Account';
    names = [accountName(accountId)];
    set('aws:userid', spec.userId ?? accountId);
  } else if (user && user[3] === 'user') {
    accountId = user[2] as string;
    type = 'User';
    names = [accountName(accountId), spec.arn];
    set('aws:username', user[5]);
    set('aws:userid', spec.userId);
  } else if (session) {
    const [, partition, account, roleName] = session as unknown as [string, string, string, string];
    accountId = account;
    type = 'AssumedRole';
    // aws:PrincipalArn of a session is its role's ARN.
    principalArn = spec.roleArn ?? `arn:${partition}:iam::${accountId}:role/${roleName}`;
    const role = IAM_ARN.exec(principalArn);
    if (role?.[3] !== 'role' || role[2] !== accountId || role[5] !== roleName) {
      throw new Error(`${principalArn} is not the ARN of the role of session ${spec.arn}`);
    }
    names = [accountName(accountId), principalArn, spec.arn];
    set('aws:userid', spec.userId);
  } else {
    throw new Error(`${spec.arn} is not the ARN of an account root, an IAM user or an assumed-role session`);
  }
  set('aws:PrincipalArn', principalArn);
  set('aws:PrincipalAccount', accountId);
  set('aws:PrincipalType', type);
  set('aws:PrincipalIsAWSService', 'false');
  set('kms:CallerAccount', accountId);
  for (const [key, value] of Object.entries(spec.tags ?? {})) set(`aws:PrincipalTag/${key}`, value);
  return {
    arn: spec.arn,
    accountId,
    type,
    policies: type === 'Account' ? [] : (spec.policies ?? []),
    names,
    contextValues: context,
  };
}
