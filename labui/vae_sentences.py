"""What the VAE page says, each sentence a function of the numbers shown beside it.

The sentences were first written for the shipped latent-16 sweep on 60,000 images; the latent-2 sweep, a sweep on
500 images, a 3-epoch run or a sweep that stops at β = 4 show other things, and the words follow their numbers
(tests/test_vae_sentences.py feeds each of them here). Inputs are a run's evaluation (eval.json's keys) or plain
arrays, so no sentence needs Streamlit.
"""
from __future__ import annotations

import functools

import numpy as np

from genlib.evaluation.metrics import ACTIVE_UNIT_VARIANCE, recon_gap
from genlib.evaluation.probe import prior_tail
from genlib.evaluation.references import NOISE_ROW, REAL_ROW
from labui.claims import DIGITS_NEEDED, share_text

# Two FIDs (or two reconstruction costs) closer than this factor are "about the same": room for sampling noise,
# while the differences the page's lessons rest on are factors of 1.3 to 4 on the shipped sweeps.
CLEAR_RATIO = 1.25
# A test − train reconstruction gap below this share of the test loss is not called overfitting (shipped latent-16
# β = 0: 0.54 of 72.8 nats, 0.7 %).
OVERFIT_SHARE = 0.05
PRIOR_BALL_MASS = 0.95  # the ball of the latent space that holds this share of the prior's samples


def plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def listing(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


# ---- the page's intro and the Across-β view ----

def prior_samples(ae: dict, vae: dict | None) -> str:
    """What β = 0's prior samples look like in this sweep: the judge's share of recognised digits."""
    seen = (f"the judge recognises {share_text(ae['confident_rate'])} of them as digits, and its best guesses cover "
            f"{ae['classes_covered']} of 10 classes")
    if vae is not None:
        seen += f" (β = 1: {share_text(vae['confident_rate'])} and {vae['classes_covered']} classes)"
    if ae["confident_rate"] < DIGITS_NEEDED:
        return f"**In this sweep, samples drawn from the prior at β = 0 are mostly not digits:** {seen}."
    return f"**In this sweep, samples drawn from the prior at β = 0 are often readable digits:** {seen}."


def prior_is_worse(ae: dict, vae: dict) -> bool:
    """Whether dropping the KL term clearly hurts the prior's samples in this sweep."""
    return ae["fid"] >= CLEAR_RATIO * vae["fid"]


def autoencoder(ae: dict, vae: dict) -> list[str]:
    """β = 0 against β = 1: where the codes sit, what the prior's samples score, what a fitted Gaussian gives."""
    ratio, fitted, noise = ae["fid"] / vae["fid"], ae["fid_fitted_gaussian"], ae["reference_fid"][NOISE_ROW]
    worse = prior_is_worse(ae, vae)
    text = (f"**β = 0 is a plain autoencoder.** Its codes sit {ae['aggregate_kl']:.1f} nats from the prior "
            f"(aggregate KL; β = 1: {vae['aggregate_kl']:.1f}). Samples drawn from N(0, I) score FID "
            f"{ae['fid']:.0f}, ")
    if worse:
        text += f"{ratio:.1f}× that of β = 1 ({vae['fid']:.0f}): clearly worse without the KL term."
    elif ratio * CLEAR_RATIO <= 1:
        text += f"better than β = 1's {vae['fid']:.0f}: here the KL term does not help the prior's samples."
    else:
        text += (f"about as good as β = 1's {vae['fid']:.0f} ({ratio:.2f}×): the missing KL term does not show in "
                 "them.")
    if min(ae["fid"], vae["fid"]) >= noise:
        text += (f" Both are farther from the test digits than uniform noise is (FID {noise:.0f}): neither decoder "
                 "draws digits from the prior.")
    if ae["fid"] >= CLEAR_RATIO * fitted:
        text += (f" Sampling instead from a Gaussian fitted to β = 0's codes gives {fitted:.0f}: the decoder does "
                 "better where the codes are, and the prior is in the wrong place.")
    else:
        text += (f" A Gaussian fitted to β = 0's codes gives {fitted:.0f}, no clear gain: where the prior sits is not "
                 "what limits these samples.")
    lines = [text, interpolation(ae["interp_jumpiness"], vae["interp_jumpiness"], worse)]
    if ae["recon"] < vae["recon"]:
        paid = (": the KL term trades reconstruction for a prior that can be sampled." if worse else
                "; what the KL term buys for it does not show in these prior samples.")
        lines.append(f"In exchange β = 0 reconstructs better: {ae['recon']:.1f} vs {vae['recon']:.1f} nats "
                     f"({1 - ae['recon'] / vae['recon']:.0%} fewer){paid}")
    return lines


def interpolation(jumpiness_at_0: float, jumpiness_at_1: float, prior_worse: bool) -> str:
    """What the lab measures about lines between encoded digits; it does not separate β = 0 from β = 1 on the
    shipped sweep (1.59 vs 1.63), so the page says so instead of claiming that interpolations jump."""
    a, b = jumpiness_at_0, jumpiness_at_1
    if abs(a - b) <= 0.1 * max(a, b):
        how = "about as smooth at β = 0 as at β = 1"
    else:
        how = "jumpier at β = 0 than at β = 1" if a > b else "smoother at β = 0 than at β = 1"
    text = (f"A straight line between two *encoded* test digits stays {how}: its largest step is {a:.2f}× its mean "
            f"step at β = 0 and {b:.2f}× at β = 1 (interpolation jumpiness, median of 100 lines in judge features).")
    return text + (" What β = 0 breaks is everything away from the codes, where the prior's samples land."
                   if prior_worse else "")


def far_beta(by_beta: dict[float, dict], latent_dim: int) -> str | None:
    """The sweep's largest β above 1 against β = 1 (else the largest β ≤ 1): does the posterior collapse?"""
    big, low = [b for b in by_beta if b > 1], [b for b in by_beta if b <= 1]
    if not big or not low:
        return None
    top, ref = max(big), (1.0 if 1.0 in by_beta else max(low))
    t, r = by_beta[top], by_beta[ref]
    rise = t["recon"] / r["recon"]
    numbers = (f"the codes carry {t['kl']:.1f} nats (β = {ref:g}: {r['kl']:.1f}) and reconstructions cost "
               f"{t['recon']:.1f} nats (β = {ref:g}: {r['recon']:.1f}, {rise - 1:+.0%})")
    if t["active_units"] < r["active_units"]:
        blur = ": blurrier, averaged digits" if rise >= CLEAR_RATIO else ""
        return (f"**Far above 1 the posterior collapses:** at β = {top:g} only {t['active_units']} of {latent_dim} "
                f"dimensions stay active units (β = {ref:g}: {r['active_units']}), {numbers}{blur}.")
    return (f"**This sweep stops short of posterior collapse:** at β = {top:g}, the largest here, {t['active_units']} "
            f"of {latent_dim} dimensions are still active units, as at β = {ref:g}; {numbers}.")


def across_beta(by_beta: dict[float, dict], selected_beta: float, latent_dim: int) -> str:
    """The Across-β view's reading of the sweep's table."""
    lines = autoencoder(by_beta[0.0], by_beta[1.0]) if 0.0 in by_beta and 1.0 in by_beta else []
    far = far_beta(by_beta, latent_dim)
    if far:
        lines.append(far)
    m = by_beta[selected_beta]
    lines.append(f"Selected β = {selected_beta:g}: reconstruction {m['recon']:.1f} nats, KL {m['kl']:.1f} nats, "
                 f"{m['active_units']} of {latent_dim} active units, prior-sample FID {m['fid']:.0f} "
                 f"(real-vs-real floor {m['reference_fid'][REAL_ROW]:.0f}).")
    return "\n\n".join(lines)


# ---- Overfitting and copies ----

def gap_share(last: dict) -> float:
    """An epoch's test − train reconstruction as a share of the test loss: its size against what is being fitted."""
    return recon_gap(last) / last["test_recon"]


def overfits(last: dict) -> bool:
    return gap_share(last) >= OVERFIT_SHARE


def gap(beta: float, last: dict, images: int) -> str:
    """The selected run's test − train reconstruction gap after its last epoch, and its size against the loss."""
    text = (f"After {plural(last['epoch'], 'epoch')} on {images:,} training images, β = {beta:g} reconstructs new "
            f"(test) digits at **{last['test_recon']:.1f} nats** and its training digits at "
            f"**{last['train_recon']:.1f}**: a gap of **{recon_gap(last):.2f} nats, {gap_share(last):.1%} of the "
            "loss**.")
    if recon_gap(last) <= 0:
        return text + " No sign of overfitting: new digits cost no more than the training ones."
    if overfits(last):
        return text + (" That is overfitting: the decoder reconstructs the digits it trained on clearly better than "
                       "new ones.")
    return text + (f" Under {OVERFIT_SHARE:.0%}, too small to call overfitting: the decoder does about as well on "
                   "digits it never saw.")


def gap_by_beta(last_at_0: dict, last_at_1: dict) -> str:
    """β = 0 against β = 1: is the gap larger without the KL term, and is either one large?"""
    g0, g1 = recon_gap(last_at_0), recon_gap(last_at_1)
    numbers = (f"{g0:.2f} nats at β = 0 ({gap_share(last_at_0):.1%} of the loss), {g1:.2f} at β = 1 "
               f"({gap_share(last_at_1):.1%})")
    if not overfits(last_at_0) and not overfits(last_at_1):
        return f"**Neither β overfits here:** the gap is {numbers}, both under {OVERFIT_SHARE:.0%}."
    return f"**Without the KL term the gap is {'larger' if g0 > g1 else 'not larger'}:** {numbers}."


def small_data_hint(overfits: bool, smaller: list[str]) -> str:
    """Where to look for the homework's claim (a decoder without the KL term overfits) when this sweep is not it."""
    if overfits:
        return ""
    if smaller:
        return (f"The homework's claim is about little data: compare the gaps of the runs on {listing(smaller)} "
                "(pick them above).")
    return ("The homework's claim is about little data: train β = 0 and β = 1 on 500 training images below and "
            "compare their gaps here.")


# ---- Latent space and latent sliders ----

@functools.lru_cache(maxsize=64)
def prior_ball(dim: int, mass: float = PRIOR_BALL_MASS) -> float:
    """The radius of the ball that holds `mass` of N(0, I_dim)'s samples (prior_tail inverted by bisection)."""
    low, high = 0.0, 10.0 + 3 * dim**0.5
    for _ in range(50):
        mid = (low + high) / 2
        low, high = (mid, high) if 1 - prior_tail(mid, dim) < mass else (low, mid)
    return high


def scatter_caption(shown: np.ndarray, codes: np.ndarray) -> str:
    """The latent scatter's caption: how the codes drawn fill the prior's 2σ circle, and for a latent larger than 2,
    how the codes fill the prior's ball in all dimensions, which a flat picture cannot show."""
    circle_mass = 1 - prior_tail(2.0, 2)  # a 2-D picture of N(0, I) on orthonormal directions is N(0, I_2)
    inside = float((np.linalg.norm(shown, axis=1) <= 2).mean())
    density = inside / circle_mass
    text = (f"The black circles are the prior's 1σ and 2σ. Inside the 2σ circle, where the prior puts "
            f"{circle_mass:.0%} of its samples, lie {share_text(inside)} of the codes drawn")
    if inside == 0:
        text += ": the prior's samples land where no code is drawn."
    elif density * CLEAR_RATIO <= 1:
        text += f": on average the codes there are {1 / density:.0f}× sparser than the prior's samples."
    elif density >= CLEAR_RATIO:
        text += ": the codes crowd the prior's middle more densely than its samples do."
    else:
        text += ": the codes fill it about as densely as the prior's samples do."
    dim = codes.shape[1]
    if dim > 2:
        radius, norms = prior_ball(dim), np.linalg.norm(codes, axis=1)
        within = share_text(float((norms <= radius).mean()))
        text += (f" This is a flat picture of {dim} dimensions; in all of them, {within} of the test codes lie within "
                 f"|z| ≤ {radius:.1f}, the ball that holds {PRIOR_BALL_MASS:.0%} of the prior's samples (the codes' "
                 f"median |z| is {np.median(norms):.1f}).")
    return text


def sliders(active: np.ndarray) -> str:
    """What to look for in the latent sliders view, from which dimensions are active units."""
    dims, idle = len(active), [f"z{d + 1}" for d in np.flatnonzero(~np.asarray(active))]
    text = "Move one slider at a time and watch the decoded digit change: each slider is one direction of the code. "
    if not idle:
        every = "Both" if dims == 2 else f"All {dims}"
        return text + (f"{every} dimensions are active units (the encoder's code varies across test digits), so any of "
                       "them can carry part of what tells digits apart; past the range the codes use, the "
                       "decoder shows what it does where no digit was encoded.")
    return text + (f"{listing(idle)} {'is' if len(idle) == 1 else 'are'} inactive: the encoder gives every test digit "
                   f"nearly the same value there (variance ≤ {ACTIVE_UNIT_VARIANCE}), so what tells digits apart "
                   f"lives in the other {dims - len(idle)}.")
