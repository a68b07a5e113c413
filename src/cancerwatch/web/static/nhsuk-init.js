// Start the NHS.UK frontend components (header menu, skip link, error summary…).
import { initAll } from './nhsuk/nhsuk-frontend.min.js';
initAll();
