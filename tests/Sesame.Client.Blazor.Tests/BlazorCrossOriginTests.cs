using Microsoft.Playwright;
using Sesame.Client.Blazor.Tests.Infrastructure;

namespace Sesame.Client.Blazor.Tests;

/// <summary>
/// The Blazor app on one origin, the API on another (same host, other port: cross-origin, same-site). The browser sends the HttpOnly session
/// cookies cross-origin only with fetch credentials "include", and the client reads front-token/anti-CSRF only if the API exposes them.
/// </summary>
public sealed class BlazorCrossOriginTests(BlazorAppFixture fixture) : BlazorBrowserTest(fixture)
{
    private BlazorTestHost? _api;

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        var appOrigin = Host.BaseAddress.GetLeftPart(UriPartial.Authority);
        _api = await BlazorTestHost.StartAsync(
            Path.Combine(RepositoryPaths.PublishFolder, "wwwroot"), RepositoryPaths.OfficialClientBundle, corsOrigin: appOrigin);
        Host.AppSettingsJson = $$"""{ "Sesame": { "ApiDomain": "{{_api.BaseAddress.GetLeftPart(UriPartial.Authority)}}" } }""";
    }

    [Fact]
    public async Task Blazor_app_calls_a_cross_origin_API_with_credentials_through_login_refresh_and_sign_out()
    {
        var api = _api!;
        var page = await OpenAppAsync();
        await LogInAsync(page, "kim");

        await page.ClickAsync("#call-once");
        await ExpectCallResultAsync(page, "GET /api/me: 200");
        Assert.Contains(api.BaseAddress.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), await page.EvaluateAsync<string>(
            "() => performance.getEntriesByType('resource').map(e => e.name).filter(n => n.includes('/api/me')).join(' ')"));

        api.ExpireAccessTokens();
        await page.ClickAsync("#call-parallel");
        await ExpectCallResultAsync(page, "20 × GET /api/me: 20 × 200");
        Assert.Equal(1, api.RefreshCount);
        Assert.Equal(0, Host.RefreshCount);

        await page.ClickAsync("#sign-out");
        await ExpectSignedOutAsync(page);
        Assert.Equal(0, api.TheftCount);
    }

    public override async ValueTask DisposeAsync()
    {
        Host.AppSettingsJson = null;
        await base.DisposeAsync();
        if (_api is not null)
        {
            await _api.DisposeAsync();
        }
    }
}
