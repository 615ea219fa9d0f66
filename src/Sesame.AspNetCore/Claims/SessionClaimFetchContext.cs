using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Sesame.AspNetCore.Claims;

/// <summary>What a claim's fetcher learns: whose session, its payload so far, and the request (for services: <c>HttpContext.RequestServices</c>).</summary>
/// <param name="UserId">The session's user.</param>
/// <param name="AccessTokenPayload">The access-token payload as it stands (a copy: changing it changes nothing).</param>
/// <param name="HttpContext">The request creating or using the session.</param>
public sealed record SessionClaimFetchContext(string UserId, JsonObject AccessTokenPayload, HttpContext HttpContext);
