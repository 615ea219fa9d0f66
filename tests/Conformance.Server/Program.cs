// The reference client suite's test server on our library: `dotnet run --project tests/Conformance.Server`
// serves http://localhost:8080 and http://localhost:8082 (see ConformanceServerOptions.Usage for the switches).
return await Sesame.Conformance.ConformanceHost.RunAsync(args);
