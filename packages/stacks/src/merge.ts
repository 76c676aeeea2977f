/**
 * The one merge rule of stack manifests: mappings merge key by key, recursively; anything else
 * (lists, strings, numbers, booleans, null) from a later layer replaces the earlier value whole.
 * A later `null` therefore clears a value; a later list is the whole list.
 */
import { deepmergeCustom } from 'deepmerge-ts';

const mergeReplacingLists = deepmergeCustom({ mergeArrays: false, mergeSets: false, mergeMaps: false });

export type Mapping = Record<string, unknown>;

/** Merge mappings, later ones winning. Layers that are undefined are skipped. */
export function deepMerge(layers: ReadonlyArray<Mapping | undefined>): Mapping {
  const present = layers.filter((layer): layer is Mapping => layer !== undefined);
  if (present.length === 0) return {};
  // The result may share nested values with the layers; callers clone what they hand out.
  return mergeReplacingLists(...present) as Mapping;
}
