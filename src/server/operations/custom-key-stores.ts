import type { Handlers, Output } from '../context.ts';
import {
  type CustomKeyStoreRecord,
  checkDeletion,
  connect,
  createCustomKeyStore,
  customKeyStoresListEntry,
  disconnect,
  filterCustomKeyStores,
  settled,
  updateCustomKeyStore,
} from '../custom-key-stores/custom-key-store.ts';
import { paginate } from '../pagination.ts';
import type { Scope, Store } from '../store/store.ts';
import { findCustomKeyStore } from './resolve.ts';

/**
 * The custom key store operations, emulated (custom-key-stores/custom-key-store.ts says what is and what is not):
 * each store's record is kept as its last change left it, and read as of the request's time, when an emulated
 * CONNECTING or DISCONNECTING has settled.
 */
export function customKeyStoreHandlers(store: Store): Partial<Handlers> {
  function all(scope: Scope, now: Date): CustomKeyStoreRecord[] {
    return store.customKeyStores(scope).map((entry) => settled(entry, now));
  }

  function others(scope: Scope, now: Date, customKeyStoreId: string): CustomKeyStoreRecord[] {
    return all(scope, now).filter((entry) => entry.customKeyStoreId !== customKeyStoreId);
  }

  return {
    CreateCustomKeyStore(input, { caller, now }): Output<'CreateCustomKeyStore'> {
      const record = createCustomKeyStore(input, all(caller, now), caller.accountId, now);
      store.createCustomKeyStore(caller, record);
      return { CustomKeyStoreId: record.customKeyStoreId };
    },

    DescribeCustomKeyStores(input, { caller, now }): Output<'DescribeCustomKeyStores'> {
      const stores = filterCustomKeyStores(all(caller, now), input);
      // In creation order, which the position in the scope's list keeps.
      const positions = stores.map((_, index) => index);
      const page = paginate(positions, (index) => String(index).padStart(4, '0'), input, {
        list: 'custom key stores',
        defaultLimit: 1000,
        maxLimit: 1000,
      });
      return {
        CustomKeyStores: page.items.flatMap((index) => {
          const entry = stores[index];
          return entry ? [customKeyStoresListEntry(entry)] : [];
        }),
        NextMarker: page.NextMarker,
        Truncated: page.Truncated,
      };
    },

    UpdateCustomKeyStore(input, { caller, now }): Output<'UpdateCustomKeyStore'> {
      const current = findCustomKeyStore(store, caller, input.CustomKeyStoreId, now);
      const updated = updateCustomKeyStore(current, input, others(caller, now, current.customKeyStoreId));
      store.updateCustomKeyStore(caller, updated);
      return {};
    },

    ConnectCustomKeyStore(input, { caller, now }): Output<'ConnectCustomKeyStore'> {
      const current = findCustomKeyStore(store, caller, input.CustomKeyStoreId, now);
      const connected = connect(current, now);
      if (connected !== current) store.updateCustomKeyStore(caller, connected);
      return {};
    },

    DisconnectCustomKeyStore(input, { caller, now }): Output<'DisconnectCustomKeyStore'> {
      const current = findCustomKeyStore(store, caller, input.CustomKeyStoreId, now);
      store.updateCustomKeyStore(caller, disconnect(current, now));
      return {};
    },

    DeleteCustomKeyStore(input, { caller, now }): Output<'DeleteCustomKeyStore'> {
      const current = findCustomKeyStore(store, caller, input.CustomKeyStoreId, now);
      checkDeletion(current, store.keysInCustomKeyStore(caller, current.customKeyStoreId).length);
      store.deleteCustomKeyStore(caller, current.customKeyStoreId);
      return {};
    },
  };
}
