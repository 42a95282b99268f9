/**
 * Which installed add-on is Lookout: the Supervisor's `/addons` list names each add-on by its full
 * slug, `<repository hash>_lookout` for one installed from a repository, `local_lookout` for a
 * local one (shared HA.md §1.6). A started one wins over a stopped one; among equals, the first
 * listed. Pure (unit-tested in addon-slug.test.ts).
 */
export interface SupervisorAddon {
  slug?: unknown;
  state?: unknown;
}

const LOOKOUT_SLUG = /^(?:[a-z0-9]+_)?lookout$/;

export function findLookoutAddon(addons: readonly SupervisorAddon[]): string | null {
  const ours = addons.filter(
    (a): a is { slug: string; state?: unknown } => typeof a.slug === 'string' && LOOKOUT_SLUG.test(a.slug),
  );
  return (ours.find((a) => a.state === 'started') ?? ours[0])?.slug ?? null;
}
