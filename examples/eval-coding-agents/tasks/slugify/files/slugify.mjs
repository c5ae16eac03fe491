/** A URL slug for a title: "Hello, World!" → "hello-world". */
export function slugify(title) {
  throw new Error(`slugify(${JSON.stringify(title)}): not implemented`);
}
