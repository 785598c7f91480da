// The integration-express project: the harness spreads process.env into every server it
// spawns, and the in-process suites read it through validateEnv, so all of them run on Express.
process.env.HTTP_PLATFORM = 'express';
