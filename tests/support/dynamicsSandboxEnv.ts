export { dynamicsSandboxEnv } from '../../local/dynamicsSandboxSettings';
