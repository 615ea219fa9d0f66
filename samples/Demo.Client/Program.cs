using Demo.Client;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.AspNetCore.Components.WebAssembly.Hosting;

var builder = WebAssemblyHostBuilder.CreateDefault(args);
builder.RootComponents.Add<App>("#app");
builder.RootComponents.Add<HeadOutlet>("head::after");

// The API is this app's own origin (the demo server serves both) unless wwwroot/appsettings.json names another one
// ("Sesame": { "ApiDomain": "https://api.example.com" }); the session lives in the browser's HttpOnly cookies.
var apiDomain = builder.Configuration["Sesame:ApiDomain"];
builder.AddSesameClient(options =>
{
    if (!string.IsNullOrWhiteSpace(apiDomain))
    {
        options.ApiDomain = apiDomain;
    }
});
builder.Services.AddSingleton<DemoEventLog>();

await builder.Build().RunAsync();
