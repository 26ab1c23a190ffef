import type { Handlers, Output } from '../context.ts';
import { checkAwsManagedKey } from '../keys/aws-managed.ts';
import { checkPolicy, checkPolicyName, DEFAULT_POLICY_NAME } from '../keys/policy.ts';
import { checkState } from '../keys/states.ts';
import { paginate } from '../pagination.ts';
import type { Store } from '../store/store.ts';
import { callerPrincipal, resolveKey } from './resolve.ts';

export function policyHandlers(store: Store): Partial<Handlers> {
  return {
    GetKeyPolicy(input, context): Output<'GetKeyPolicy'> {
      const key = resolveKey(store, context, input.KeyId, 'key-only');
      checkState(key, 'GetKeyPolicy');
      checkPolicyName(input.PolicyName);
      return { Policy: key.record.policy, PolicyName: DEFAULT_POLICY_NAME };
    },

    PutKeyPolicy(input, context): Output<'PutKeyPolicy'> {
      const { caller } = context;
      const key = resolveKey(store, context, input.KeyId, 'key-only');
      checkAwsManagedKey(key, 'PutKeyPolicy', callerPrincipal(caller).arn);
      checkState(key, 'PutKeyPolicy');
      checkPolicyName(input.PolicyName);
      checkPolicy(input.Policy, {
        principal: caller.principal,
        keyArn: key.arn,
        bypassLockoutSafetyCheck: input.BypassPolicyLockoutSafetyCheck,
      });
      store.updateKey(key, { policy: input.Policy });
      return {};
    },

    ListKeyPolicies(input, context): Output<'ListKeyPolicies'> {
      checkState(resolveKey(store, context, input.KeyId, 'key-only'), 'ListKeyPolicies');
      const page = paginate([DEFAULT_POLICY_NAME], (name) => name, input, {
        list: 'policies',
        defaultLimit: 100,
        maxLimit: 1000,
      });
      return { PolicyNames: page.items, NextMarker: page.NextMarker, Truncated: page.Truncated };
    },
  };
}
