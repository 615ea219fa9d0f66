using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Sesame.Demo.Tests.Infrastructure;

namespace Sesame.Demo.Tests;

/// <summary>
/// The demo's optional Identity mode (<c>dotnet run --project samples/Demo -- --identity</c>, docs/identity.md): password users in ASP.NET
/// Core Identity whose logins start Sesame sessions, under <c>/identity</c>, and its page <c>/identity.html</c>. The default demo has none of it.
/// </summary>
public sealed class DemoIdentityTests(DemoFixture fixture) : DemoBrowserTest(fixture)
{
    private const string Password = "Passw0rd!";

    [Fact]
    public async Task Identity_mode_register_login_protected_call_over_http_and_on_its_page_default_demo_has_no_Identity()
    {
        await using var demo = await DemoProcess.StartAsync(["--identity"], TimeSpan.FromSeconds(90));
        Assert.Contains("Identity mode: password users at", demo.Output, StringComparison.Ordinal);
        using var http = new HttpClient { BaseAddress = demo.BaseAddress };

        // MapIdentityApi's requests, under /identity; the login starts a Sesame session (header mode: a client that is not a browser).
        using (var register = await http.PostAsJsonAsync("/identity/register", new { email = "alice@example.com", password = Password }))
        {
            Assert.Equal(HttpStatusCode.OK, register.StatusCode);
        }

        using (var wrong = await http.PostAsJsonAsync("/identity/login", new { email = "alice@example.com", password = "wrong" }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        }

        using var login = await http.PostAsJsonAsync("/identity/login", new { email = "alice@example.com", password = Password });
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        using (var me = new HttpRequestMessage(HttpMethod.Get, "/api/me"))
        {
            me.Headers.Authorization = new("Bearer", login.Headers.GetValues("st-access-token").Single());
            using var response = await http.SendAsync(me);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var userId = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("userId").GetString();
            Assert.False(string.IsNullOrEmpty(userId));
        }

        // The page: register and log in with the official JavaScript client (cookies), then a protected call.
        var page = await OpenAsync("identity.html", demo.BaseAddress, "#account-form");
        await page.FillAsync("#email", "bob@example.com");
        await page.FillAsync("#password", Password);
        await page.ClickAsync("#register");
        await ExpectCallResultAsync(page, "/identity/register: 200");
        await page.ClickAsync("#login");
        await ExpectCallResultAsync(page, "/identity/login: 200");
        await Assertions.Expect(page.Locator("#header-user")).ToHaveTextAsync("bob@example.com");
        await page.ClickAsync("#call-once");
        await ExpectCallResultAsync(page, "GET /api/me: 200");

        // The default demo (the README's command) has no Identity endpoints.
        using var plain = new HttpClient { BaseAddress = Fixture.Demo.BaseAddress };
        using var none = await plain.PostAsJsonAsync("/identity/register", new { email = "carol@example.com", password = Password });
        Assert.NotEqual(HttpStatusCode.OK, none.StatusCode);
    }
}
