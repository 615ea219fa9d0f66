using SesameApi;

// dotnet run, then: POST /login {"userId":"alice"} (tokens come back in the response headers, or as cookies when the request
// says "st-auth-mode: cookie"), GET /api/me with them. Sesame.Client does all of that for a .NET client (see the tests).
var app = ApiHost.Build(new WebApplicationOptions { Args = args });
app.Run();
