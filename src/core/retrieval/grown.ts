/** A copy of `array` with room for at least `needed` elements, growing by half so repeated adds stay linear. */
export function grown<T extends Float32Array | Int32Array | Uint8Array>(array: T, needed: number): T {
  const copy = new (array.constructor as new (length: number) => T)(Math.max(needed, Math.ceil(array.length * 1.5)));
  copy.set(array);
  return copy;
}
