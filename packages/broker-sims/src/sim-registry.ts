import type { BrokerSimModule } from './core/sim-server';

/**
 * Every broker sim by name. Each broker folder adds itself here.
 */
export const SIM_MODULES: Record<string, () => BrokerSimModule> = {};
