using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Sesame.Client.Internal;

namespace Sesame.Client.Claims;

/// <summary>
/// Session claims on the client, as the official client's <c>getClaimValue</c>, <c>validateClaims</c> and
/// <c>getInvalidClaimsFromResponse</c>: values are read from the front token's payload, never verified here (the server checks).
/// </summary>
public static class SessionClientClaimsExtensions
{
    // One claim refresh at a time per client (the official client takes a cross-tab lock), so concurrent validations refresh once.
    private static readonly ConditionalWeakTable<RefreshCoordinator, SemaphoreSlim> ClaimRefreshLocks = [];

    /// <summary>The claim's value in the session's payload (refreshing the session first if its access token expired), or none.</summary>
    /// <param name="client">The session client.</param>
    /// <param name="claim">The claim.</param>
    /// <param name="cancellationToken">Cancels a refresh.</param>
    /// <typeparam name="T">The value type.</typeparam>
    /// <returns>The value or none; throws <see cref="SessionExpiredException"/> without a session.</returns>
    public static async Task<ClaimValue<T>> GetClaimValueAsync<T>(this ISessionClient client, PrimitiveClaim<T> claim,
        CancellationToken cancellationToken = default)
        where T : notnull
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(claim);
        return claim.GetValueFromPayload(await client.GetAccessTokenPayloadAsync(cancellationToken).ConfigureAwait(false));
    }

    /// <summary>The claim's values in the session's payload, or none.</summary>
    /// <param name="client">The session client.</param>
    /// <param name="claim">The claim.</param>
    /// <param name="cancellationToken">Cancels a refresh.</param>
    /// <typeparam name="T">The element type.</typeparam>
    /// <returns>The values or none; throws <see cref="SessionExpiredException"/> without a session.</returns>
    public static async Task<ClaimValue<IReadOnlyList<T>>> GetClaimValueAsync<T>(this ISessionClient client, PrimitiveArrayClaim<T> claim,
        CancellationToken cancellationToken = default)
        where T : notnull
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(claim);
        return claim.GetValueFromPayload(await client.GetAccessTokenPayloadAsync(cancellationToken).ConfigureAwait(false));
    }

    /// <summary>
    /// Checks claim validators on the session's payload: first every validator whose claim is missing or too old refreshes it (one client at a
    /// time: concurrent calls refresh once; a failing refresh is logged and ignored), then every validator checks the payload. The validators
    /// are <see cref="SesameClientOptions.ClaimValidators"/>, or what <paramref name="overrideGlobalClaimValidators"/> makes of them.
    /// </summary>
    /// <param name="client">The session client.</param>
    /// <param name="overrideGlobalClaimValidators">Given the global validators, the ones to check (null: the global ones).</param>
    /// <param name="cancellationToken">Cancels refreshes.</param>
    /// <returns>The failures, in validator order; empty when valid.</returns>
    public static async Task<IReadOnlyList<ClaimValidationError>> ValidateClaimsAsync(this ISessionClient client,
        Func<IReadOnlyList<ClientClaimValidator>, IEnumerable<ClientClaimValidator>>? overrideGlobalClaimValidators = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        var coordinator = (client as SessionClient)?.Coordinator;
        IReadOnlyList<ClientClaimValidator> globals = coordinator is null ? [] : [.. coordinator.Options.ClaimValidators];
        IReadOnlyList<ClientClaimValidator> validators = overrideGlobalClaimValidators is null ? globals : [.. overrideGlobalClaimValidators(globals)];
        if (validators.Count == 0)
        {
            return [];
        }

        DateTimeOffset ServerNow() => coordinator is null
            ? DateTimeOffset.UtcNow
            : DateTimeOffset.FromUnixTimeMilliseconds(coordinator.ServerNowMilliseconds);

        JsonElement payload;
        var gate = coordinator is null ? new SemaphoreSlim(1, 1) : ClaimRefreshLocks.GetValue(coordinator, static _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // All refreshes before any validation, so every validator sees the same payload (the official client's order).
            payload = await client.GetAccessTokenPayloadAsync(cancellationToken).ConfigureAwait(false);
            foreach (var validator in validators)
            {
                if (!validator.ShouldRefresh(payload, ServerNow()))
                {
                    continue;
                }

                try
                {
                    await validator.RefreshAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    coordinator?.Logger.LogWarning(ex, "Refreshing the claim of validator {ValidatorId} failed; validating the payload as it is", validator.Id);
                }

                payload = await client.GetAccessTokenPayloadAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            gate.Release();
        }

        List<ClaimValidationError>? errors = null;
        foreach (var validator in validators)
        {
            var result = validator.Validate(payload, ServerNow());
            if (!result.IsValid)
            {
                (errors ??= []).Add(new ClaimValidationError(validator.Id,
                    result.Reason is null ? null : JsonDocument.Parse(result.Reason.ToJsonString()).RootElement.Clone()));
            }
        }

        return errors ?? (IReadOnlyList<ClaimValidationError>)[];
    }

    /// <summary>
    /// The failed validators an invalid-claim answer lists (<c>{"message":"invalid claim","claimValidationErrors":[…]}</c>); empty when the
    /// response has no such list (e.g. a 403 without a body). The body stays readable afterwards.
    /// </summary>
    /// <param name="client">The session client.</param>
    /// <param name="response">A response of the API.</param>
    /// <param name="cancellationToken">Cancels reading the body.</param>
    /// <returns>The failures.</returns>
    public static Task<IReadOnlyList<ClaimValidationError>> GetInvalidClaimsFromResponseAsync(this ISessionClient client, HttpResponseMessage response,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        return GetInvalidClaimsFromResponseAsync(response, cancellationToken);
    }

    /// <summary>The failed validators an invalid-claim answer lists; empty when it lists none. The body stays readable afterwards.</summary>
    /// <param name="response">A response of the API.</param>
    /// <param name="cancellationToken">Cancels reading the body.</param>
    /// <returns>The failures.</returns>
    public static async Task<IReadOnlyList<ClaimValidationError>> GetInvalidClaimsFromResponseAsync(HttpResponseMessage response,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (response.Content is null)
        {
            return [];
        }

        await response.Content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        return body.Length == 0 ? [] : Parse(body);
    }

    private static List<ClaimValidationError> Parse(byte[] body)
    {
        var errors = new List<ClaimValidationError>();
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("claimValidationErrors", out var list) || list.ValueKind != JsonValueKind.Array)
            {
                return errors;
            }

            foreach (var item in list.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.Object && item.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String)
                {
                    errors.Add(new ClaimValidationError(id.GetString()!, item.TryGetProperty("reason", out var reason) ? reason.Clone() : null));
                }
            }
        }
        catch (JsonException)
        {
            // Not the protocol's body (an app's own 403): no claim errors.
        }

        return errors;
    }
}
