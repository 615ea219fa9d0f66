namespace Sesame.AspNetCore.Tests;

public sealed class SmokeTests
{
    [Fact]
    public async Task Login_in_header_mode_then_get_root_returns_the_user_id()
    {
        await using var server = await Sesame.Testing.Server.SesameTestServer.StartAsync();
        using var client = new HeaderSession(server);
        var login = await client.LoginAsync("user-1");
        Assert.Equal(System.Net.HttpStatusCode.OK, login.StatusCode);
        Assert.NotNull(client.AccessToken);
        var me = await client.SendAsync(HttpMethod.Get, "/");
        Assert.Equal("user-1", await me.BodyAsync());
        var header = Jwt.Header(client.AccessToken!);
        Assert.Equal("5", header["version"]!.GetValue<string>());
        Assert.Equal("JWT", header["typ"]!.GetValue<string>());
    }
}
