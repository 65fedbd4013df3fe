/**
 * A Map of at most `max` entries that drops its oldest entry to take a new key: the process's caches of things
 * built once per distinct key (validated documents, prepared statements, decoded keys, verified tokens), where a
 * key never seen again must not stay for the life of the process. Reads are the Map's own.
 */
export class BoundedMap<K, V> extends Map<K, V> {
  constructor(readonly max: number) {
    super();
  }

  override set(key: K, value: V): this {
    if (this.size >= this.max && !this.has(key)) this.delete(this.keys().next().value as K);
    return super.set(key, value);
  }
}
