"""The deployment files (Dockerfile, deploy/ecs-task-definition.json, deploy/iam-task-policy.json)
read as text and JSON: the invariants that keep production safe and working; and the Dockerfile
linted by hadolint. No Docker, no AWS. (The image's commands run natively in tests/test_app_start.py
and scripts/bootstrap.sh.)"""
import inspect
import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

from insight_dash.settings import Settings
from tests.harness.deployment import dockerfile_stages, healthcheck_command

ROOT = Path(__file__).resolve().parent.parent
ALLOWED_ACTIONS = {"s3:ListBucket", "s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload",
                   "bedrock:InvokeModel"}
COMPILERS = ("gcc", "g++", "clang", "build-essential", "make", "python3-dev", "libc6-dev")


def task_definition() -> dict:
    return json.loads((ROOT / "deploy" / "ecs-task-definition.json").read_text())


def container() -> dict:
    (only,) = task_definition()["containerDefinitions"]
    return only


def environment() -> dict[str, str]:
    return {item["name"]: item["value"] for item in container()["environment"]}


def policy_statements() -> list[dict]:
    return json.loads((ROOT / "deploy" / "iam-task-policy.json").read_text())["Statement"]


def as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


def variables_the_app_reads() -> set[str]:
    """Names Settings.from_env reads, plus the GUNICORN_* names gunicorn.conf.py reads."""
    settings_source = inspect.getsource(Settings.from_env)
    gunicorn_source = (ROOT / "gunicorn.conf.py").read_text()
    return (set(re.findall(r'reader\.\w+\(\s*"([A-Z][A-Z0-9_]*)"', settings_source))
            | set(re.findall(r'environ\.get\(\s*"(GUNICORN_[A-Z_]+)"', gunicorn_source)))


def final_stage_env() -> dict[str, str]:
    pairs = [word.split("=", 1) for line in dockerfile_stages()[-1] if line.upper().startswith("ENV ")
             for word in shlex.split(line[4:])]
    return {name: value for name, value in pairs}


def test_policy_grants_only_the_listed_actions_and_never_a_wildcard():
    for statement in policy_statements():
        assert statement["Effect"] == "Allow"
        assert set(statement) <= {"Sid", "Effect", "Action", "Resource", "Condition"}  # no NotAction/NotResource
        assert set(as_list(statement["Action"])) <= ALLOWED_ACTIONS
        for resource in as_list(statement["Resource"]):
            assert resource != "*" and resource.startswith("arn:aws-us-gov:")


def test_policy_s3_access_is_one_bucket_and_the_objects_under_its_prefix():
    env = environment()
    bucket_arn = f"arn:aws-us-gov:s3:::{env['INSIGHT_S3_BUCKET']}"
    objects_arn = f"{bucket_arn}/{env['INSIGHT_S3_PREFIX']}/*" if env.get("INSIGHT_S3_PREFIX") else f"{bucket_arn}/*"
    s3_resources = []
    for statement in policy_statements():
        actions = as_list(statement["Action"])
        resources = as_list(statement["Resource"])
        if actions == ["s3:ListBucket"]:
            assert resources == [bucket_arn]
        elif any(action.startswith("s3:") for action in actions):
            assert all(action.startswith("s3:") and action != "s3:ListBucket" for action in actions)
            assert resources == [objects_arn]
        s3_resources += [resource for resource in resources if resource.startswith("arn:aws-us-gov:s3:")]
    assert sorted(set(s3_resources)) == sorted({bucket_arn, objects_arn})


def test_policy_invokes_only_the_configured_profile_and_its_model():
    profile = environment()["INSIGHT_LLM_MODEL"].removeprefix("bedrock/")  # us-gov.anthropic.claude-...
    model = profile.split(".", 1)[1]  # the foundation model behind the cross-region profile
    (statement,) = [s for s in policy_statements() if "bedrock:InvokeModel" in as_list(s["Action"])]
    assert as_list(statement["Action"]) == ["bedrock:InvokeModel"]
    resources = as_list(statement["Resource"])
    assert all("*" not in resource for resource in resources)
    assert any(resource.endswith(f":inference-profile/{profile}") for resource in resources)
    assert all(resource.endswith((f":inference-profile/{profile}", f"::foundation-model/{model}"))
               for resource in resources)


def test_task_is_fargate_sized_as_the_spec_says():
    task = task_definition()
    assert task["requiresCompatibilities"] == ["FARGATE"] and task["networkMode"] == "awsvpc"
    assert (task["cpu"], task["memory"]) == ("2048", "8192")
    assert task["taskRoleArn"].startswith("arn:aws-us-gov:iam::")
    assert container()["portMappings"][0]["containerPort"] == 8000


def test_container_has_a_read_only_root_and_is_not_privileged():
    definition = container()
    assert definition["readonlyRootFilesystem"] is True
    assert not definition.get("privileged", False)
    assert "capabilities" not in definition.get("linuxParameters", {})
    assert definition["linuxParameters"]["initProcessEnabled"] is True


def test_every_path_the_image_writes_is_a_task_volume():
    task = task_definition()
    volumes = {volume["name"]: volume for volume in task["volumes"]}
    mounts = {mount["containerPath"]: mount for mount in container()["mountPoints"]}
    image_env = final_stage_env()
    assert {image_env["INSIGHT_DATA_DIR"], image_env["TMPDIR"], environment()["INSIGHT_DATA_DIR"]} <= set(mounts)
    assert {"/data", "/tmp"} <= set(mounts)
    for mount in mounts.values():
        assert not mount.get("readOnly", False)
        # Fargate ephemeral storage: a task volume with no host and no Docker volume driver.
        assert set(volumes[mount["sourceVolume"]]) == {"name"}
    assert "tmpfs" not in container().get("linuxParameters", {})  # not supported on Fargate


def test_task_sets_only_variables_the_app_reads():
    names = [item["name"] for item in container()["environment"]]
    secrets = [item["name"] for item in container()["secrets"]]
    assert len(names + secrets) == len(set(names + secrets))
    assert set(names) | set(secrets) <= variables_the_app_reads()
    assert environment()["INSIGHT_ENV"] == "production"


def test_task_takes_database_url_and_secret_key_from_secrets_manager():
    secrets = {item["name"]: item["valueFrom"] for item in container()["secrets"]}
    assert {"DATABASE_URL", "SECRET_KEY"} <= set(secrets)
    assert all(arn.startswith("arn:aws-us-gov:secretsmanager:") for arn in secrets.values())
    assert not {"DATABASE_URL", "SECRET_KEY"} & set(environment())


def test_task_health_check_is_the_liveness_probe_of_the_image():
    check = container()["healthCheck"]
    assert check["command"] == ["CMD", *healthcheck_command()]
    assert "http://127.0.0.1:8000/healthz" in " ".join(check["command"])


def test_task_logs_to_cloudwatch():
    logging = container()["logConfiguration"]
    assert logging["logDriver"] == "awslogs"
    assert {"awslogs-group", "awslogs-region", "awslogs-stream-prefix"} <= set(logging["options"])


def test_stop_timeout_outlasts_gunicorns_graceful_shutdown():
    source = (ROOT / "gunicorn.conf.py").read_text()
    default = re.search(r'graceful_timeout = int\(os\.environ\.get\("GUNICORN_GRACEFUL_TIMEOUT", "(\d+)"\)\)', source)
    assert container()["stopTimeout"] > int(default.group(1))


def test_dockerfile_healthcheck_uses_healthz():
    healthcheck = " ".join(healthcheck_command())
    assert "/healthz" in healthcheck and "/readyz" not in healthcheck


def test_dockerfile_passes_hadolint():
    linted = subprocess.run([str(Path(sys.executable).with_name("hadolint")), str(ROOT / "Dockerfile")],
                            capture_output=True, text=True, timeout=60)
    assert linted.returncode == 0, linted.stdout + linted.stderr


def test_dockerfile_final_stage_installs_no_compiler():
    final_stage = " ".join(dockerfile_stages()[-1])
    for tool in COMPILERS:
        assert not re.search(rf"(?<![\w.-]){re.escape(tool)}(?![\w.-])", final_stage), tool


def test_dockerfile_runtime_writes_only_under_data_dir_and_tmp():
    env = final_stage_env()
    assert env["INSIGHT_DATA_DIR"] == "/data"
    assert env["TMPDIR"] == "/tmp"  # the sandbox socket folder must be outside the data dir
    assert env["PYTHONDONTWRITEBYTECODE"] == "1"
    for name in ("HOME", "XDG_CACHE_HOME", "MPLCONFIGDIR"):
        assert env[name].startswith(("/data", "/tmp")), name
    (volume,) = [line for line in dockerfile_stages()[-1] if line.startswith("VOLUME")]
    assert set(json.loads(volume.removeprefix("VOLUME"))) == {"/data", "/tmp"}


def test_dockerfile_stages_use_the_base_image_pinned_to_a_patch_release():
    preamble, *stages = dockerfile_stages()
    (arg,) = [line for line in preamble if line.startswith("ARG PYTHON_IMAGE=")]
    assert re.fullmatch(r"ARG PYTHON_IMAGE=python:3\.11\.\d+-slim-[a-z]+(@sha256:[0-9a-f]{64})?", arg)
    assert len(stages) == 2  # build, runtime
    assert all(stage[0].startswith("FROM ${PYTHON_IMAGE} AS ") for stage in stages)
