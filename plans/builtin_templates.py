"""The three plan templates every organisation starts with.

Backward templates count days before the target date, which is the buyer's go-live (not the
contract signature); the forward template counts days after the start date. A milestone's offset
is the offset of its latest task, so its date is when all of its tasks should be done.
"""

from accounts.models import Side
from plans.specs import MilestoneSpec, TaskSpec, TemplateSpec

BUYER = Side.BUYER
SELLER = Side.SELLER


ENTERPRISE = TemplateSpec(
    key="enterprise",
    name="Enterprise MAP",
    description=(
        "A complex sale with security review and procurement, through onboarding to go-live."
    ),
    direction="backward",
    milestones=(
        MilestoneSpec(
            title="Discovery & business case",
            offset=-120,
            description=(
                "Agree what success looks like and whether the change is worth making, "
                "before anyone spends time on evaluation."
            ),
            tasks=(
                TaskSpec(
                    title="Confirm success criteria and business goal",
                    side=BUYER,
                    offset=-145,
                    description=(
                        "Writing down the outcome you need, and by when, keeps the whole plan "
                        "pointed at it. Every later step is judged against these criteria."
                    ),
                ),
                TaskSpec(
                    title="Share current process, volumes and pain points",
                    side=BUYER,
                    offset=-140,
                    description=(
                        "A short walkthrough of how things work today lets us size the problem "
                        "honestly and avoid proposing more than you need."
                    ),
                ),
                TaskSpec(
                    title="Prepare the business case with expected return",
                    side=SELLER,
                    offset=-130,
                    description=(
                        "A business case built on your own numbers gives your budget holder "
                        "something concrete to weigh, rather than a vendor's promises."
                    ),
                ),
                TaskSpec(
                    title="Review the business case with the economic buyer",
                    side=BUYER,
                    offset=-120,
                    description=(
                        "Getting the budget holder's view early avoids a surprise at signature. "
                        "If the case does not stand up, it is better to know now."
                    ),
                ),
            ),
        ),
        MilestoneSpec(
            title="Technical validation",
            offset=-90,
            description=(
                "Prove with your own systems and data that the solution does what your team needs."
            ),
            tasks=(
                TaskSpec(
                    title="Agree proof-of-concept scope and pass criteria",
                    side=BUYER,
                    offset=-115,
                    description=(
                        "A clear, limited scope with agreed pass criteria keeps the trial short "
                        "and makes the result easy to accept or reject."
                    ),
                ),
                TaskSpec(
                    title="Set up the proof-of-concept environment",
                    side=SELLER,
                    offset=-110,
                    description=(
                        "A ready environment means your team spends its time testing, not "
                        "waiting on access or configuration."
                    ),
                ),
                TaskSpec(
                    title="Run the proof of concept with real data",
                    side=BUYER,
                    offset=-100,
                    description=(
                        "Testing with your own data and integrations shows how the solution "
                        "behaves in your environment, not just in a demo."
                    ),
                ),
                TaskSpec(
                    title="Sign off technical fit",
                    side=BUYER,
                    offset=-90,
                    description=(
                        "Your technical evaluator's written sign-off records that the pass "
                        "criteria were met, so the decision does not rest on impressions."
                    ),
                ),
            ),
        ),
        MilestoneSpec(
            title="Security review",
            offset=-70,
            description=(
                "Give your security team what it needs to approve the solution without holding "
                "up the timeline."
            ),
            tasks=(
                TaskSpec(
                    title="Send the security pack and SOC 2 report",
                    side=SELLER,
                    offset=-95,
                    description=(
                        "Sharing our SOC 2 report, policies and architecture up front answers "
                        "most questions before they are asked and shortens the review."
                    ),
                ),
                TaskSpec(
                    title="Complete the security questionnaire",
                    side=BUYER,
                    offset=-85,
                    description=(
                        "Security reviews are often the longest step in a purchase. Starting "
                        "the questionnaire early keeps it off the critical path."
                    ),
                ),
                TaskSpec(
                    title="Approve the security and privacy review",
                    side=BUYER,
                    offset=-70,
                    description=(
                        "A recorded approval from your security team lets legal and procurement "
                        "proceed knowing the data risks have been assessed."
                    ),
                ),
            ),
        ),
        MilestoneSpec(
            title="Legal & procurement",
            offset=-50,
            description=(
                "Agree the contract terms and get the supplier set up, in parallel where possible."
            ),
            tasks=(
                TaskSpec(
                    title="Internal deal review with sales leadership",
                    side=SELLER,
                    offset=-75,
                    description=(
                        "Review the deal, risks and resourcing with sales leadership before "
                        "the commercial proposal goes out."
                    ),
                    internal=True,
                ),
                TaskSpec(
                    title="Confirm discount approval with finance",
                    side=SELLER,
                    offset=-72,
                    description=(
                        "Get any non-standard pricing approved by finance now, so the order "
                        "form does not change after the buyer has reviewed it."
                    ),
                    internal=True,
                ),
                TaskSpec(
                    title="Send the order form, MSA and DPA",
                    side=SELLER,
                    offset=-70,
                    description=(
                        "Sending all the contract documents together lets your legal and "
                        "procurement teams review them in one pass."
                    ),
                ),
                TaskSpec(
                    title="Redline the MSA and DPA",
                    side=BUYER,
                    offset=-60,
                    description=(
                        "Your legal team's comments tell us early which terms need discussion, "
                        "leaving time to agree them without rushing."
                    ),
                ),
                TaskSpec(
                    title="Onboard the vendor in procurement",
                    side=BUYER,
                    offset=-50,
                    description=(
                        "Supplier registration can take weeks in some organisations. Starting "
                        "it alongside the legal review avoids a delay after terms are agreed."
                    ),
                ),
            ),
        ),
        MilestoneSpec(
            title="Signature",
            offset=-45,
            description="Sign the agreed contract so onboarding can start on schedule.",
            tasks=(
                TaskSpec(
                    title="Send the final contract for signature",
                    side=SELLER,
                    offset=-47,
                    description=(
                        "A single final version with every agreed change avoids confusion "
                        "about which document is being signed."
                    ),
                ),
                TaskSpec(
                    title="Sign the contract and issue the purchase order",
                    side=BUYER,
                    offset=-45,
                    description=(
                        "Signing on this date keeps enough time for onboarding before your "
                        "go-live. A later signature pushes go-live back by the same amount."
                    ),
                ),
            ),
        ),
        MilestoneSpec(
            title="Onboarding",
            offset=-10,
            description=(
                "Configure, connect and train so your team is ready to use the solution from day "
                "one."
            ),
            tasks=(
                TaskSpec(
                    title="Hand over deal notes to the onboarding team",
                    side=SELLER,
                    offset=-44,
                    description=(
                        "Brief the onboarding team on success criteria, stakeholders and "
                        "promises made, so the buyer never has to repeat themselves."
                    ),
                    internal=True,
                ),
                TaskSpec(
                    title="Run the kickoff and agree the onboarding plan",
                    side=SELLER,
                    offset=-40,
                    description=(
                        "A kickoff with both project teams sets owners, dates and the go-live "
                        "checklist, so nothing falls between the two sides."
                    ),
                ),
                TaskSpec(
                    title="Name the project lead and admins",
                    side=BUYER,
                    offset=-38,
                    description=(
                        "Onboarding moves at the pace of decisions. A named lead with time set "
                        "aside is the best predictor of an on-time go-live."
                    ),
                ),
                TaskSpec(
                    title="Configure the workspace and integrations",
                    side=SELLER,
                    offset=-28,
                    description=(
                        "Setting the solution up around your process and connecting your "
                        "existing tools means people can work the way they already do."
                    ),
                ),
                TaskSpec(
                    title="Migrate data and check it",
                    side=BUYER,
                    offset=-20,
                    description=(
                        "Your team knows its data best. Checking the migrated records catches "
                        "gaps before users rely on them."
                    ),
                ),
                TaskSpec(
                    title="Train admins and end users",
                    side=SELLER,
                    offset=-10,
                    description=(
                        "Training close to go-live, on your own configuration, helps people "
                        "remember what they learnt and start using it straight away."
                    ),
                ),
            ),
        ),
        MilestoneSpec(
            title="Go-live & first value",
            offset=0,
            description=(
                "Your team is live and seeing the results set out in the success criteria."
            ),
            tasks=(
                TaskSpec(
                    title="Confirm go-live readiness",
                    side=BUYER,
                    offset=-5,
                    description=(
                        "A short go/no-go check against the agreed checklist makes the launch "
                        "a deliberate decision rather than a date on a calendar."
                    ),
                ),
                TaskSpec(
                    title="Go live with all users",
                    side=BUYER,
                    offset=-2,
                    description=(
                        "Moving everyone over at once, with the old process switched off, "
                        "avoids running two systems side by side."
                    ),
                ),
                TaskSpec(
                    title="Review first results against success criteria",
                    side=SELLER,
                    offset=0,
                    description=(
                        "Checking early results against the criteria agreed in discovery shows "
                        "whether the goal is on track and what to adjust if not."
                    ),
                ),
            ),
        ),
    ),
)


SMB = TemplateSpec(
    key="smb",
    name="SMB quick close",
    description="A short, simple sale: from first demo to your team live and using it in a month.",
    direction="backward",
    milestones=(
        MilestoneSpec(
            title="Confirm fit",
            offset=-21,
            description="Check quickly that the solution solves your problem before you commit.",
            tasks=(
                TaskSpec(
                    title="Confirm goals and success criteria",
                    side=BUYER,
                    offset=-28,
                    description=(
                        "A few lines on what you want to achieve keeps the demo and trial "
                        "focused on what matters to you."
                    ),
                ),
                TaskSpec(
                    title="Run a demo tailored to your use case",
                    side=SELLER,
                    offset=-25,
                    description=(
                        "Seeing your own workflow, rather than a generic tour, makes it easy "
                        "to judge whether the solution fits."
                    ),
                ),
                TaskSpec(
                    title="Trial it with your team",
                    side=BUYER,
                    offset=-21,
                    description=(
                        "A short hands-on trial with the people who will use it every day is "
                        "the quickest way to spot any deal-breakers."
                    ),
                ),
            ),
        ),
        MilestoneSpec(
            title="Agree & sign",
            offset=-14,
            description="Agree the price and terms and sign, so setup can start straight away.",
            tasks=(
                TaskSpec(
                    title="Send the proposal and order form",
                    side=SELLER,
                    offset=-18,
                    description=(
                        "One clear document with the price, terms and start date gives you "
                        "everything needed to decide."
                    ),
                ),
                TaskSpec(
                    title="Review and sign the order form",
                    side=BUYER,
                    offset=-14,
                    description=(
                        "Signing on this date leaves two weeks to set up and train before your "
                        "target go-live."
                    ),
                ),
            ),
        ),
        MilestoneSpec(
            title="Set up",
            offset=-5,
            description="Get the account configured and the team ready to use it.",
            tasks=(
                TaskSpec(
                    title="Hold the setup call",
                    side=SELLER,
                    offset=-12,
                    description=(
                        "A single call to configure the account around your process saves "
                        "your team from working it out alone."
                    ),
                ),
                TaskSpec(
                    title="Invite your team and connect your tools",
                    side=BUYER,
                    offset=-9,
                    description=(
                        "With everyone invited and existing tools connected, the team can "
                        "start from real work on day one."
                    ),
                ),
                TaskSpec(
                    title="Train the team",
                    side=SELLER,
                    offset=-5,
                    description=(
                        "A short session on your own setup helps people feel confident and "
                        "avoids a slow, patchy start."
                    ),
                ),
            ),
        ),
        MilestoneSpec(
            title="Live & using it",
            offset=0,
            description="Your team uses the solution day to day and sees the results you wanted.",
            tasks=(
                TaskSpec(
                    title="Go live with the whole team",
                    side=BUYER,
                    offset=-2,
                    description=(
                        "Moving everyone over on the same day avoids work being split between "
                        "the old way and the new one."
                    ),
                ),
                TaskSpec(
                    title="Check in on first results",
                    side=SELLER,
                    offset=0,
                    description=(
                        "A quick check against your goals confirms it is working and catches "
                        "anything that needs adjusting while it is easy to fix."
                    ),
                ),
            ),
        ),
    ),
)


ONBOARDING = TemplateSpec(
    key="onboarding",
    name="Onboarding & go-live",
    description=(
        "From kickoff to go-live and the first success reviews, for a customer who has signed."
    ),
    direction="forward",
    milestones=(
        MilestoneSpec(
            title="Kickoff",
            offset=3,
            description="Agree the plan, the people and the go-live date on both sides.",
            tasks=(
                TaskSpec(
                    title="Hold the kickoff meeting",
                    side=SELLER,
                    offset=1,
                    description=(
                        "Bringing both project teams together at the start sets shared "
                        "expectations and a single plan everyone works from."
                    ),
                ),
                TaskSpec(
                    title="Name the project lead and admins",
                    side=BUYER,
                    offset=2,
                    description=(
                        "A named lead with time set aside keeps decisions moving; onboarding "
                        "slows down most when no one owns it."
                    ),
                ),
                TaskSpec(
                    title="Confirm the go-live date and success criteria",
                    side=BUYER,
                    offset=3,
                    description=(
                        "A fixed date and a clear definition of success give every later step "
                        "a deadline and a purpose."
                    ),
                ),
            ),
        ),
        MilestoneSpec(
            title="Configuration & integrations",
            offset=14,
            description="Set the solution up around your process and connect it to your tools.",
            tasks=(
                TaskSpec(
                    title="Provide system access and SSO details",
                    side=BUYER,
                    offset=5,
                    description=(
                        "Access requests can take days to approve internally. Sorting them "
                        "early keeps configuration from stalling."
                    ),
                ),
                TaskSpec(
                    title="Configure the workspace for your process",
                    side=SELLER,
                    offset=10,
                    description=(
                        "Matching the setup to how your team already works makes adoption "
                        "easier and reduces the training needed."
                    ),
                ),
                TaskSpec(
                    title="Connect and test integrations",
                    side=SELLER,
                    offset=14,
                    description=(
                        "Tested integrations mean data flows where people expect it, so no one "
                        "has to re-key information by hand."
                    ),
                ),
            ),
        ),
        MilestoneSpec(
            title="Data migration",
            offset=21,
            description="Bring your existing data across and confirm it is complete and correct.",
            tasks=(
                TaskSpec(
                    title="Export data from the current system",
                    side=BUYER,
                    offset=12,
                    description=(
                        "A full export in the agreed format is the starting point for the "
                        "migration; gaps found later are harder to fix."
                    ),
                ),
                TaskSpec(
                    title="Import and validate the data",
                    side=SELLER,
                    offset=17,
                    description=(
                        "Importing and running checks on record counts and key fields catches "
                        "mapping problems before your team sees the data."
                    ),
                ),
                TaskSpec(
                    title="Check migrated data and sign off",
                    side=BUYER,
                    offset=21,
                    description=(
                        "Your team knows its data best. A sign-off confirms people can rely on "
                        "what they find from day one."
                    ),
                ),
            ),
        ),
        MilestoneSpec(
            title="Training",
            offset=28,
            description="Make sure admins and users are confident using the solution.",
            tasks=(
                TaskSpec(
                    title="Train admins",
                    side=SELLER,
                    offset=24,
                    description=(
                        "Trained admins can answer everyday questions and make small changes "
                        "themselves, without waiting on support."
                    ),
                ),
                TaskSpec(
                    title="Train end users",
                    side=SELLER,
                    offset=28,
                    description=(
                        "Training just before go-live, on your own configuration, helps people "
                        "remember what they learnt and use it straight away."
                    ),
                ),
            ),
        ),
        MilestoneSpec(
            title="Go-live",
            offset=30,
            description="Switch your team over to the new way of working.",
            tasks=(
                TaskSpec(
                    title="Confirm go-live readiness",
                    side=BUYER,
                    offset=29,
                    description=(
                        "A short go/no-go check against the agreed checklist makes the launch "
                        "a deliberate decision rather than just a date."
                    ),
                ),
                TaskSpec(
                    title="Go live and retire the old process",
                    side=BUYER,
                    offset=30,
                    description=(
                        "Switching off the old process on go-live day avoids work being split "
                        "between two systems."
                    ),
                ),
            ),
        ),
        MilestoneSpec(
            title="Success review at 30/60 days",
            offset=90,
            description="Check adoption and results against the success criteria set at kickoff.",
            tasks=(
                TaskSpec(
                    title="Review adoption 30 days after go-live",
                    side=SELLER,
                    offset=60,
                    description=(
                        "Usage after the first month shows who has adopted the solution and "
                        "where extra help is needed while habits are still forming."
                    ),
                ),
                TaskSpec(
                    title="Review results against success criteria at 60 days",
                    side=BUYER,
                    offset=90,
                    description=(
                        "Comparing results with the goals set at kickoff shows whether the "
                        "investment is paying off and what to focus on next."
                    ),
                ),
            ),
        ),
    ),
)


BUILTIN_TEMPLATES: dict[str, TemplateSpec] = {
    template.key: template for template in (ENTERPRISE, SMB, ONBOARDING)
}
