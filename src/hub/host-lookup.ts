/** ConfigHost.lookupHubModel over the local cache (no network), for the CLI's and the language server's hosts. */
import { dirname, resolve } from 'node:path';
import type { HubModelLookup } from '../config/host';
import type { HubOptions } from './download';
import { locatePretrained } from './pretrained';

export function createHubModelLookup(hub: () => Pick<HubOptions, 'cacheDir' | 'offline'>): (value: string, fromConfigFile: string) => HubModelLookup | undefined {
  return (value, fromConfigFile) => {
    const options = hub();
    const location = locatePretrained(value, dirname(resolve(fromConfigFile)), options);
    switch (location.kind) {
      case 'folder':
      case 'not-found':
        return undefined;
      case 'cached':
        return { status: 'cached', offline: options.offline === true, detail: `${location.folder}`, folder: location.folder };
      case 'download':
        return { status: location.reason, offline: false, detail: location.detail };
      case 'offline-missing':
        return { status: location.reason, offline: true, detail: location.message };
    }
  };
}
