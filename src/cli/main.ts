#!/usr/bin/env node
import { holdYoungGenerationGrowth } from '../support/memory-settings.js';

// Before any other module is loaded: a static import would be read and compiled before this line ran.
holdYoungGenerationGrowth();
await import('./sluice-program.js');
