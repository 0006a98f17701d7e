import { Platform } from 'react-native';
import * as SecureStore from 'expo-secure-store';
import type { KeyValueStorage } from './key-value-storage';

// SecureStore keys allow only [A-Za-z0-9._-]; keep web keys identical so both read the same names.
const webStorage: KeyValueStorage = {
  async get(key) {
    try {
      return globalThis.localStorage?.getItem(key) ?? null;
    } catch {
      return null; // private mode or storage disabled: behave as a fresh install
    }
  },
  async set(key, value) {
    try {
      globalThis.localStorage?.setItem(key, value);
    } catch {
      // Quota or private mode: the session still works until the tab closes.
    }
  },
  async remove(key) {
    try {
      globalThis.localStorage?.removeItem(key);
    } catch {
      // nothing stored, nothing to remove
    }
  },
};

const secureStorage: KeyValueStorage = {
  get: (key) => SecureStore.getItemAsync(key),
  set: (key, value) => SecureStore.setItemAsync(key, value),
  remove: (key) => SecureStore.deleteItemAsync(key),
};

export const platformStorage: KeyValueStorage = Platform.OS === 'web' ? webStorage : secureStorage;
