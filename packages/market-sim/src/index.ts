export * from './seeded-random';
export * from './nse-instruments';
export * from './sim-market';
