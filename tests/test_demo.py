import io
import subprocess
import sys

import pytest
from django.core.management import call_command

from cophub.accounts.models import Tier, User
from cophub.communities.models import Community, Group, Membership

pytestmark = pytest.mark.django_db


def test_demo_builds_the_ai_cop_and_a_second_community_and_is_idempotent(settings, tmp_path):
    settings.COPHUB_DOTGOV_CSV = str(tmp_path / "missing.csv")  # the built-in agencies
    out = io.StringIO()
    call_command("demo", members=60, stdout=out)
    assert set(Community.objects.values_list("slug", flat=True)) == {"ai-cop", "data-cop"}
    ai = Community.objects.get(slug="ai-cop")
    names = set(ai.groups.values_list("name", flat=True))
    assert {"Event Planning", "Community Outreach", "External Collaborations",
            "Tools and Resources", "Generative AI", "Reinforcement Learning", "AI Security",
            "Natural Language Processing", "Computer Vision"} <= names
    assert User.objects.count() == 60
    assert User.objects.get(email="public@example.com").tier == Tier.PUBLIC
    assert User.objects.get(email="member@va.gov").tier == Tier.GOVERNMENT
    assert Membership.objects.filter(state="requested").exists()
    assert all(g.memberships.filter(role="lead").exists() for g in Group.objects.all())
    assert "organizer@gsa.gov" in out.getvalue()
    call_command("demo", members=60, stdout=io.StringIO())
    assert User.objects.count() == 60


def test_console_script_maps_hyphenated_command_names(tmp_path):
    result = subprocess.run([sys.executable, "-m", "cophub", "import-domains", "--help"],
                            capture_output=True, text=True, timeout=60,
                            env={"COPHUB_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    assert "PATH_OR_URL" in result.stdout or "source" in result.stdout
