using Microsoft.AspNetCore.Http;

namespace Sesame.AspNetCore.Internal;

/// <summary>
/// The client details a session records when <see cref="SesameServerOptions.RecordClientInfo"/> is on (docs/authorization.md#session-metadata):
/// the <c>User-Agent</c> header, cut to <see cref="MaxUserAgentLength"/> characters, and the connection's remote address (which
/// <c>UseForwardedHeaders</c> has already replaced with the forwarded client address behind a proxy).
/// </summary>
internal readonly record struct ClientInfo(string? UserAgent, string? IpAddress)
{
    /// <summary>Longer user agents are cut: real ones fit, and a client must not be able to store kilobytes per session.</summary>
    public const int MaxUserAgentLength = 256;

    /// <summary>The request's client details, or none when recording is off.</summary>
    public static ClientInfo From(HttpContext httpContext, bool record)
    {
        if (!record)
        {
            return default;
        }

        string? userAgent = httpContext.Request.Headers.UserAgent.ToString();
        if (userAgent.Length == 0)
        {
            userAgent = null;
        }
        else if (userAgent.Length > MaxUserAgentLength)
        {
            userAgent = userAgent[..MaxUserAgentLength];
        }

        var address = httpContext.Connection.RemoteIpAddress;
        if (address is { IsIPv4MappedToIPv6: true })
        {
            address = address.MapToIPv4();
        }

        return new ClientInfo(userAgent, address?.ToString());
    }
}
