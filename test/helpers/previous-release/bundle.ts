import { fileURLToPath } from 'node:url';
import { type BundleOptions, type WorkflowBundleWithSourceMap, bundleWorkflowCode } from '@temporalio/worker';
import { workflowsPath } from '../../../worker';

const withoutLocalSteps = fileURLToPath(new URL('./workflow-without-local-steps.ts', import.meta.url));
const withoutConsentWake = fileURLToPath(new URL('./workflow-without-consent-wake.ts', import.meta.url));
type WebpackConfig = Parameters<NonNullable<BundleOptions['webpackConfigHook']>>[0];

/**
 * The real workflows, bundled as the release before local steps ran them: the workflow code
 * imports `@temporalio/workflow` as a shim whose `patched()` says no to the local-steps patch
 * (the SDK's own entry point imports `@temporalio/workflow/lib/…` paths, which the exact-match
 * alias leaves alone). No copy of the workflow code to keep in step with the real one.
 */
export function bundlePreviousRelease(): Promise<WorkflowBundleWithSourceMap> {
  return bundleWithWorkflowPackage(withoutLocalSteps);
}

/** The real workflows as the release before the consentGiven signal ran them (the same way). */
export function bundleReleaseBeforeConsentWake(): Promise<WorkflowBundleWithSourceMap> {
  return bundleWithWorkflowPackage(withoutConsentWake);
}

function bundleWithWorkflowPackage(shim: string): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({
    workflowsPath,
    logger: { log() {}, info() {}, warn() {}, error() {}, debug() {}, trace() {} },
    webpackConfigHook: (config) => aliasWorkflowPackage(config, shim),
  });
}

function aliasWorkflowPackage(config: WebpackConfig, replacement: string): WebpackConfig {
  const alias = config.resolve?.alias ?? {};
  // The SDK's bundler writes its aliases as an object; an array would need another merge.
  if (Array.isArray(alias)) throw new Error('the SDK bundler now writes resolve.alias as an array: merge it here');
  return { ...config, resolve: { ...config.resolve, alias: { ...alias, '@temporalio/workflow$': replacement } } };
}
