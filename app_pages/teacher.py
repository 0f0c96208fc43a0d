"""Teacher's page: every student's job, live, with Stop and Cancel for any of them, and the cluster's load.

Only teachers see it in the navigation (labui/identity.py says who is one); the page checks again itself, so a
student who types its address gets a refusal, not the table.
"""
from pathlib import Path

import streamlit as st

from labui.errors import shown_as_message
from labui.identity import is_teacher
from labui.jobs import engine
from labui.training import LIVE_REFRESH_S, duration

st.title("Teacher: every job")
if not is_teacher():
    st.error("This page is for teachers only. Sign in with a teacher's account, or open the teacher link that "
             "`./lab class` printed when it started.")
    st.stop()


def job_row(job) -> dict:
    progress = (f"epoch {job.epoch}/{job.epochs}, step {job.step}/{job.steps_per_epoch}" if job.running
                else f"{len(job.epoch_records)}/{job.epochs} epochs")
    return {"who": job.owner, "run": Path(job.run_dir).name, "kind": job.kind, "status": job.status,
            "progress": progress, "where": job.where or "-",
            "in line": job.position if job.waiting else None, "time": duration(job.elapsed)}


@st.fragment(run_every=LIVE_REFRESH_S)
def every_job():
    with shown_as_message("The training engine cannot be reached"):
        info = engine().describe()
        nodes = f", {info['nodes']} node(s)" if "nodes" in info else ""
        st.caption(f"{info['engine']}{nodes}: {info['cpus']} CPU(s), {info['gpus']} GPU(s) · {info['running']} "
                   f"running, {info['waiting']} waiting")
        jobs = engine().jobs(None)
        if not jobs:
            st.info("No jobs yet: students' training runs appear here as they submit them.")
            return
        st.dataframe([job_row(j) for j in jobs], hide_index=True, key="teacher_jobs")
        for job in (j for j in jobs if j.running or j.waiting):
            label = f"{'Stop' if job.running else 'Cancel'} {Path(job.run_dir).name} ({job.owner})"
            st.button(label, key=f"teacher_stop_{job.id}", on_click=engine().stop, args=(job.id, job.owner))


every_job()
