/** Removes one item from an array by identity; a no-op when it is already gone. */
export function removeItem<T>(items: T[], item: T): void {
  const index = items.indexOf(item);
  if (index >= 0) items.splice(index, 1);
}
