using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;

namespace Sesame.AspNetCore.Claims;

/// <summary>
/// What a <see cref="SesameEvents.OnInvalidClaim"/> handler learns: authorization of a request with a Sesame session failed (the
/// reference's <c>onInvalidClaim</c>). The default answer is <see cref="SesameServerOptions.InvalidClaimStatusCode"/> with
/// <c>{"message":"invalid claim","claimValidationErrors":[…]}</c>, the body the session clients read.
/// </summary>
public sealed class SesameInvalidClaimContext : SesameResponseContext
{
    internal SesameInvalidClaimContext(HttpContext httpContext, int statusCode, IReadOnlyList<ClaimValidationError> errors)
        : base(httpContext, statusCode) =>
        Errors = errors;

    /// <summary>
    /// The failed session-claim validators, in validator order. Empty when authorization failed for another reason (a role or policy
    /// requirement of the app) or <c>ForbidAsync</c> was called for the Sesame scheme directly.
    /// </summary>
    public IReadOnlyList<ClaimValidationError> Errors { get; }

    /// <summary>
    /// Answers with a <see cref="ProblemDetails"/> (<c>application/problem+json</c>) of <see cref="SesameResponseContext.StatusCode"/>, written by
    /// the app's <see cref="IProblemDetailsService"/> when it registered one (<c>AddProblemDetails()</c>, so its customisations apply), and
    /// marks the answer handled. The problem keeps the protocol's <c>message</c> and <c>claimValidationErrors</c> as extension members,
    /// so the session clients still read the failed claims from it.
    /// </summary>
    /// <returns>A task that completes when the answer is written.</returns>
    public async Task WriteProblemDetailsAsync()
    {
        HandleResponse();
        var errors = new JsonArray();
        foreach (var error in Errors)
        {
            var item = new JsonObject { ["id"] = error.Id };
            if (error.Reason is not null)
            {
                item["reason"] = error.Reason.DeepClone();
            }

            errors.Add(item);
        }

        var problem = new ProblemDetails { Status = StatusCode, Title = "invalid claim" };
        problem.Extensions["message"] = "invalid claim";
        problem.Extensions["claimValidationErrors"] = errors;
        HttpContext.Response.StatusCode = StatusCode;
        if (HttpContext.RequestServices.GetService<IProblemDetailsService>() is { } service
            && await service.TryWriteAsync(new ProblemDetailsContext { HttpContext = HttpContext, ProblemDetails = problem }).ConfigureAwait(false))
        {
            return;
        }

        await TypedResults.Problem(problem).ExecuteAsync(HttpContext).ConfigureAwait(false);
    }
}
