import { loadRootModule, RootModuleNotFoundError } from './load-root-module.js';

class AppModule {}
class OtherModule {}

describe('loadRootModule', () => {
  it('takes AppModule from a module namespace, as import() returns it', async () => {
    await expect(loadRootModule(async () => ({ AppModule, helper: 1 }))).resolves.toBe(AppModule);
  });

  it('takes the export named by exportName', async () => {
    await expect(loadRootModule(async () => ({ AppModule, OtherModule }), 'OtherModule')).resolves.toBe(OtherModule);
  });

  it('takes a module class or a dynamic module as it is', async () => {
    const dynamic = { module: AppModule, providers: [] };

    await expect(loadRootModule(() => AppModule)).resolves.toBe(AppModule);
    await expect(loadRootModule(async () => dynamic)).resolves.toBe(dynamic);
  });

  it('says what the namespace exports when the named one is missing', async () => {
    await expect(loadRootModule(async () => ({ MainModule: AppModule }))).rejects.toThrow(
      new RootModuleNotFoundError('the loaded module has no export AppModule (it exports: MainModule); set exportName'),
    );
  });

  it('refuses a loader that returns nothing', async () => {
    await expect(loadRootModule(() => undefined)).rejects.toThrow('the loader returned undefined, not a Nest module');
  });

  it('passes the loader\'s own error on (the host\'s code failed to load)', async () => {
    await expect(loadRootModule(async () => Promise.reject(new SyntaxError('Unexpected token')))).rejects.toThrow(SyntaxError);
  });
});
