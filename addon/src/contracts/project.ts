/**
 * Where Lookout lives: the one project URL that the HA discovery origin block, the add-on manifests
 * (repository.yaml, addon/config.yaml) and the npm packages (package.json, nodes/package.json) name.
 * A test keeps the manifests equal to it. Pure module (nodes/ and panel/ may import it).
 */
export const PROJECT_NAME = 'Lookout';
export const PROJECT_URL = 'https://github.com/lookout-nvr/lookout';
export const PROJECT_ISSUES_URL = `${PROJECT_URL}/issues`;
