"""How quiet a host is (lab/host/quiet.py): each noise source is named when
over its threshold, the advice follows the host's knobs, and a quiet host
with tuned knobs gets neither."""
from lab.host import quiet


def host(**changes) -> quiet.Quietness:
    tuned = dict(other_cpu_share=0.01, steal_share=0.0, probe_cv=0.01, governors={"performance": [0, 1]},
                 boost="off", smt=False, isolated_cpus="1", loadavg=[0.1, 0.1, 0.1])
    return quiet.Quietness(**dict(tuned, **changes))


def test_a_quiet_tuned_host_is_quiet_with_nothing_to_advise():
    assert host().verdict == "quiet" and host().problems() == [] and host().advice() == []


def test_each_noise_source_is_named():
    noisy = host(other_cpu_share=0.4, steal_share=0.05, probe_cv=0.19)
    assert noisy.verdict == "NOISY"
    assert noisy.problems() == ["other processes took 40% of the CPUs while sampled",
                                "the hypervisor gave 5% of the CPUs to other guests",
                                "the same read loop varied by 19% (CV) from one repetition to the next"]
    assert noisy.lines()[0].startswith("quietness: NOISY (other processes 40.0%, steal 5.0%")


def test_advice_follows_the_knobs():
    advice = host(governors={"powersave": [0, 1]}, boost="on", smt=True, isolated_cpus="").advice()
    assert any("governor to performance (now: powersave)" in a for a in advice)
    assert any("boost off" in a for a in advice) and any("nosmt" in a for a in advice)
    assert any("isolcpus" in a for a in advice)
    unknown = host(other_cpu_share=None, steal_share=None, probe_cv=None)
    assert unknown.verdict == "quiet" and "unknown" in unknown.lines()[0] and "not run" in unknown.lines()[0]
